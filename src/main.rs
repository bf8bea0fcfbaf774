//! The `carecircle` command line.

mod cli;

fn main() {
    // Die quietly when the reader of our output goes away (`carecircle rules … | head`), as
    // command-line tools do, instead of failing on the next write.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(cli::run());
}
