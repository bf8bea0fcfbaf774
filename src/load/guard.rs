//! Reading a binary file with a reader that may panic on a crafted one (FlatGeobuf, Parquet): the read
//! runs under `catch_unwind` with the panic hook kept quiet for it, so such a file is one problem naming
//! it, never a crash and never a backtrace on the terminal.

use std::cell::Cell;
use std::sync::Once;

thread_local! {
    /// Set while this thread reads a file under [`quietly`]: a panic there is reported as a problem.
    static READING: Cell<bool> = const { Cell::new(false) };
}

/// Keeps the panic hook quiet for panics caught while reading a file; every other panic is printed as
/// before.
fn quiet_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !READING.with(Cell::get) {
                default(info);
            }
        }));
    });
}

/// Runs `read` on this thread, `None` when it panicked (silently). Each worker thread of a parallel
/// read calls it for its own part.
pub(super) fn quietly<T>(read: impl FnOnce() -> T) -> Option<T> {
    quiet_hook();
    let was = READING.with(|r| r.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    READING.with(|r| r.set(was));
    result.ok()
}
