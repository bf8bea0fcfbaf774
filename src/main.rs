//! The `carecircle` command line.

mod cli;

// Loading a city allocates millions of small strings, maps and rings: mimalloc does that in a fraction of
// the time glibc's allocator takes (README "Speed").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Die quietly when the reader of our output goes away (`carecircle rules … | head`), as
    // command-line tools do, instead of failing on the next write.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // No transparent huge pages for this process: the kernel zeroes a whole 2 MiB page at its first
    // touch, and a check's memory is millions of small allocations made and freed as it goes. Measured on
    // the 1 000 000-area city with every ruleset (`bench --phases`): a fifth of all the CPU time was that
    // zeroing, and the whole check took 12.2–12.6 s without them against 14.2–14.8 s with, the same peak.
    // Best effort: an older kernel without the option just keeps its default.
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and touches no memory of ours.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    std::process::exit(cli::run());
}
