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
    std::process::exit(cli::run());
}
