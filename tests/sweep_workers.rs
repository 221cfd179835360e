//! Several worker processes (here: threads, each with its own view of the journal) never
//! create more trials than the study's total between them.

use density_workbench::sweep::{Space, Study};
use serde_json::json;

#[test]
fn concurrent_workers_stop_exactly_at_the_total() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let journal = dir.path().join("j.log");
    let space = Space::parse(
        "head = \"normal\"\n[search]\nlr = { log_uniform = [1e-3, 1e-1] }\n",
        "space.toml",
    )?;
    Study::open(&journal, "s", &space, &json!({}), "setup")?;
    let total = 40;
    let created: Vec<usize> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|w| {
                let (journal, space) = (&journal, &space);
                scope.spawn(move || -> Result<usize, String> {
                    let id = format!("worker-{w}");
                    let mut study = Study::open(journal, "s", space, &json!({}), &id)
                        .map_err(|e| e.to_string())?;
                    let mut n = 0;
                    while study
                        .create_trial_within(&id, total)
                        .map_err(|e| e.to_string())?
                        .is_some()
                    {
                        n += 1;
                    }
                    Ok(n)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_panic| "a worker panicked".to_string())
                    .and_then(|r| r)
            })
            .collect::<Result<_, _>>()
    })?;
    assert_eq!(created.iter().sum::<usize>(), total, "{created:?}");
    let mut study = Study::open(&journal, "s", &space, &json!({}), "check")?;
    study.sync()?;
    assert_eq!(study.counted_trials(), total);
    Ok(())
}
