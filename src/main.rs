//! The `carecircle` command line.

mod cli;

// Loading a city allocates millions of small strings, maps and rings: mimalloc does that in a fraction of
// the time glibc's allocator takes (README "Speed").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_arena_purge_mult`, by its number in v3's option enum (mimalloc.h):
/// libmimalloc-sys names only the stable options. A test below holds the number to the option's default.
const ARENA_PURGE_MULT: libmimalloc_sys::mi_option_t = 24;
/// mimalloc's `mi_option_purge_delay`, likewise; the test reads it to see the enum has not moved.
#[cfg(test)]
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

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
    // Memory a thread frees goes back to the system at once rather than a second later (mimalloc v3
    // waits its purge delay, 1 s, times this multiplier for memory back in its arenas). A load frees the
    // raw features of every layer on rayon's workers, which are idle by the time that delay is up and
    // would keep the memory for the rest of the check. Measured, the radius rule from GeoParquet, five interleaved runs,
    // medians: 300 000 areas 243 → 168 MB peak, 0.56 → 0.67 s; 1 000 000 areas 635 → 465 MB, 1.96 →
    // 2.14 s. A check's peak is what decides whether it runs on a bureau's machine at all.
    // SAFETY: set before any other thread starts (mimalloc's options are not synchronised); the option
    // takes a plain integer.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_PURGE_MULT, 0);
    }
    std::process::exit(cli::run());
}

#[cfg(test)]
mod tests {
    /// The option set in `main` is the arena purge multiplier: mimalloc v3's defaults are a purge delay
    /// of 1 000 ms and a multiplier of 1, and the enum still ends where libmimalloc-sys says (a mimalloc
    /// whose options moved fails here).
    #[test]
    fn the_purge_option_is_the_arena_purge_multiplier() {
        assert_eq!(libmimalloc_sys::_mi_option_last, 47);
        // SAFETY: reading options, with no other thread setting one.
        let (delay, mult) = unsafe {
            (
                libmimalloc_sys::mi_option_get(super::PURGE_DELAY),
                libmimalloc_sys::mi_option_get(super::ARENA_PURGE_MULT),
            )
        };
        assert_eq!((delay, mult), (1_000, 1));
    }
}
