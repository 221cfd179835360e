//! Ctrl-C and SIGTERM during training: the first asks the run to stop at the end of the
//! current epoch so that its best epoch's model is saved; the second exits at once (nothing
//! more is written: files are only ever renamed into place whole, and the temporary file of a
//! save in progress is removed first).

use std::sync::atomic::{AtomicUsize, Ordering};

static REQUESTS: AtomicUsize = AtomicUsize::new(0);

/// Exit status of a process ended by SIGINT (128 + 2), the shell's convention.
pub const INTERRUPTED_EXIT_CODE: u8 = 130;

/// Installs the handler (once per process; a second call is harmless).
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if REQUESTS.fetch_add(1, Ordering::SeqCst) >= 1 {
            // The second request: the user wants out now. A save in progress leaves no
            // temporary file, and no target is renamed into place half-way.
            let _abandoned = crate::export::atomic::abandon_writes();
            #[expect(clippy::exit, reason = "a second Ctrl-C must not wait for the epoch")]
            std::process::exit(i32::from(INTERRUPTED_EXIT_CODE));
        }
        super::output::progress(
            "interrupted: stopping at the end of this epoch and saving (Ctrl-C again to quit at once)",
        );
    });
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTS.load(Ordering::SeqCst) > 0
}

/// Training was interrupted; its files were saved. `main` exits with
/// [`INTERRUPTED_EXIT_CODE`].
#[derive(Debug, thiserror::Error)]
#[error("interrupted after epoch {epochs}; {saved}")]
pub struct Interrupted {
    pub epochs: usize,
    pub saved: String,
}
