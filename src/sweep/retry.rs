//! Retrying file operations on a journal whose file system is briefly unavailable (an NFS or
//! Lustre server failing over, a directory moved back into place): the transient errors
//! below are retried with exponential back-off for up to [`Backoff::total`], then the last
//! error is returned with how long it was tried, and the caller names the file.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

/// How long and how often an operation is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first pause; each next one doubles, up to `max_pause`.
    pub first_pause: Duration,
    pub max_pause: Duration,
    /// No new try starts after this much time since the first.
    pub total: Duration,
}

impl Default for Backoff {
    /// 10 ms doubling to 2 s, for 30 s: longer than a typical NFS failover, and as long as
    /// the lock's grace period, after which other workers would break our lock anyway.
    fn default() -> Self {
        Backoff {
            first_pause: Duration::from_millis(10),
            max_pause: Duration::from_secs(2),
            total: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// Never retries (a caller that must not wait).
    pub const NONE: Backoff = Backoff {
        first_pause: Duration::ZERO,
        max_pause: Duration::ZERO,
        total: Duration::ZERO,
    };

    /// Runs `op` until it succeeds, fails with an error that is not transient, or the time
    /// is up. A transient error that outlasted the budget says so in its message.
    pub fn run<T>(&self, mut op: impl FnMut() -> std::io::Result<T>) -> std::io::Result<T> {
        let start = Instant::now();
        let mut pause = self.first_pause;
        let mut tries = 0u32;
        loop {
            tries += 1;
            match op() {
                Ok(value) => return Ok(value),
                Err(error) if is_transient(&error) && start.elapsed() + pause < self.total => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(self.max_pause);
                }
                Err(error) if is_transient(&error) && tries > 1 => {
                    return Err(std::io::Error::new(
                        error.kind(),
                        format!(
                            "{error} (still failing after {tries} tries over {:.1} s)",
                            start.elapsed().as_secs_f64()
                        ),
                    ));
                }
                Err(error) => return Err(error),
            }
        }
    }
}

/// Errors a file system gives while it is briefly away: the file or its directory missing
/// (ENOENT), EIO, a stale NFS handle (ESTALE), EAGAIN/EWOULDBLOCK, EINTR, EBUSY, ETIMEDOUT.
pub fn is_transient(error: &std::io::Error) -> bool {
    /// EIO on Linux and the BSDs; it has no `ErrorKind` of its own.
    const EIO: i32 = 5;
    matches!(
        error.kind(),
        ErrorKind::NotFound
            | ErrorKind::Interrupted
            | ErrorKind::WouldBlock
            | ErrorKind::TimedOut
            | ErrorKind::ResourceBusy
            | ErrorKind::StaleNetworkFileHandle
    ) || error.raw_os_error() == Some(EIO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick(total_ms: u64) -> Backoff {
        Backoff {
            first_pause: Duration::from_millis(1),
            max_pause: Duration::from_millis(4),
            total: Duration::from_millis(total_ms),
        }
    }

    #[test]
    fn transient_errors_are_retried_until_the_operation_succeeds() {
        let mut failures = vec![
            std::io::Error::from_raw_os_error(5),   // EIO
            std::io::Error::from_raw_os_error(116), // ESTALE
            std::io::Error::from_raw_os_error(11),  // EAGAIN
            std::io::Error::from(ErrorKind::NotFound),
        ];
        let mut calls = 0;
        let result = quick(5_000).run(|| {
            calls += 1;
            failures.pop().map_or(Ok(calls), Err)
        });
        assert_eq!(result.expect("succeeds at the fifth try"), 5);
    }

    #[test]
    fn a_lasting_error_ends_with_how_long_it_was_tried_and_others_at_once() {
        let mut calls = 0;
        let error = quick(30)
            .run(|| -> std::io::Result<()> {
                calls += 1;
                Err(std::io::Error::from_raw_os_error(5))
            })
            .expect_err("gives up");
        assert!(calls > 2, "tried several times, not {calls}");
        assert!(error.to_string().contains("still failing after"), "{error}");

        let mut calls = 0;
        let error = quick(5_000)
            .run(|| -> std::io::Result<()> {
                calls += 1;
                Err(std::io::Error::from(ErrorKind::PermissionDenied))
            })
            .expect_err("not transient");
        assert_eq!(calls, 1, "a permanent error is not retried");
        assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    }
}
