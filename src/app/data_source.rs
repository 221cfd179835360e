//! Getting data into the window: a preset generated, a file read, other columns chosen, or a
//! run's recipe brought back. The heavy part (generating, parsing, splitting, statistics) runs
//! as a background [`Task`]; installing the result is cheap and happens on the UI thread.

use std::path::PathBuf;
use std::sync::Arc;

use crate::data::{
    ColumnRoles, ColumnStats, Dataset, MissingPolicy, Preset, PresetParams, Table, Truth,
    load_table,
};
use crate::run::{DataSourceSpec, RunData, TestSourceSpec};

use super::WorkbenchApp;
use super::state::{DataSettings, LoadedData, SourceKind, pad_range, plane_column};
use super::tasks::{CancelFlag, Poll, Stage, Task};

/// Below this many training rows, Generate and Load turn early stopping on.
pub const SMALL_DATA_ROWS: usize = 2_000;

/// What to read, with everything the background thread needs.
#[derive(Clone)]
pub enum DataRequest {
    Preset {
        preset: Preset,
        params: PresetParams,
    },
    /// A file; `roles` `None` = the table's default roles.
    File {
        path: PathBuf,
        roles: Option<ColumnRoles>,
        missing: MissingPolicy,
    },
    /// Other columns of a table already read.
    Columns {
        table: Arc<Table>,
        roles: ColumnRoles,
        missing: MissingPolicy,
    },
}

/// A data task and what to do once it is installed.
pub struct DataJob {
    pub task: Task<Prepared>,
    /// Fit the settings to the new data: the head to a preset, early stopping to small data
    /// (Generate and Load do; restoring a run, which brings its own settings, does not).
    pub adapt_settings: bool,
    /// Show this run once its data are in.
    pub then_show_run: Option<u64>,
}

/// Data ready to install: split, with statistics.
pub struct Prepared {
    label: String,
    train: Dataset,
    test: Option<Dataset>,
    stats: Vec<ColumnStats>,
    y_view: (f64, f64),
    /// A 0/1 target in both sets (a scan of every row, so not on the UI thread).
    is_binary: bool,
    truth: Option<Truth>,
    table: Option<Arc<Table>>,
    dropped_rows: usize,
    recipe: RunData,
    preset: Option<Preset>,
}

impl DataRequest {
    /// The request the data controls describe.
    pub fn from_settings(settings: &DataSettings) -> Result<DataRequest, String> {
        match settings.source {
            SourceKind::Preset => Ok(DataRequest::Preset {
                preset: settings.preset,
                params: settings.params,
            }),
            SourceKind::File => {
                let path = settings.csv_path.trim();
                if path.is_empty() {
                    return Err("type the path of a CSV or TSV file first".into());
                }
                let roles =
                    (!settings.y_column.is_empty() && !settings.x_columns.is_empty()).then(|| {
                        ColumnRoles {
                            x: settings.x_columns.clone(),
                            y: settings.y_column.clone(),
                        }
                    });
                Ok(DataRequest::File {
                    path: PathBuf::from(path),
                    roles,
                    missing: missing_policy(settings),
                })
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            DataRequest::Preset { preset, params } => format!(
                "generating {} ({} rows)",
                preset.name(),
                super::widgets::fmt_count(params.n as u64)
            ),
            DataRequest::File { path, .. } => format!("reading {}", path.display()),
            DataRequest::Columns { .. } => "selecting the columns".into(),
        }
    }

    /// Generates or reads, then splits and summarises (the background part).
    fn prepare(self, held_out: TestSourceSpec, cancel: &CancelFlag) -> Result<Prepared, String> {
        let splits = matches!(held_out, TestSourceSpec::Split { .. });
        let mut stages = Stages::new(&self, splits, cancel);
        let (dataset, label, truth, table, dropped_rows, source, preset) = match self {
            DataRequest::Preset { preset, params } => {
                stages.next("generating")?;
                let dataset = preset.try_generate(&params).map_err(|e| e.to_string())?;
                let label = format!(
                    "{} n={} noise={} seed={}",
                    preset.name(),
                    params.n,
                    params.noise,
                    params.seed
                );
                let truth = preset.truth(&params);
                let source = DataSourceSpec::Preset { preset, params };
                (dataset, label, truth, None, 0, source, Some(preset))
            }
            DataRequest::File {
                path,
                roles,
                missing,
            } => {
                stages.next("reading the file")?;
                let table = Arc::new(load_table(&path).map_err(|e| e.to_string())?);
                stages.next("choosing the columns")?;
                let roles = roles
                    .filter(|r| {
                        table.column_index(&r.y).is_some()
                            && r.x.iter().all(|c| table.column_index(c).is_some())
                    })
                    .unwrap_or_else(|| table.default_roles());
                select(table, roles, missing)?
            }
            DataRequest::Columns {
                table,
                roles,
                missing,
            } => {
                stages.next("choosing the columns")?;
                select(table, roles, missing)?
            }
        };
        let (train, test) = match held_out {
            TestSourceSpec::Split { fraction, seed } => {
                stages.next("splitting off the held-out rows")?;
                let (train, test) = dataset.split(fraction, seed).map_err(|e| e.to_string())?;
                (train, Some(test))
            }
            _ => (dataset, None),
        };
        stages.next("column statistics")?;
        let stats = full_stats(&train, test.as_ref());
        let y_view = robust_y_range(&train);
        let is_binary =
            train.is_binary_target() && test.as_ref().is_none_or(|t| t.is_binary_target());
        Ok(Prepared {
            label,
            train,
            test,
            stats,
            y_view,
            is_binary,
            truth,
            table,
            dropped_rows,
            recipe: RunData { source, held_out },
            preset,
        })
    }
}

/// The parts of [`DataRequest::prepare`], told to the status line as they start; Cancel is
/// honoured between them.
struct Stages<'a> {
    done: usize,
    of: usize,
    cancel: &'a CancelFlag,
}

impl<'a> Stages<'a> {
    fn new(request: &DataRequest, splits: bool, cancel: &'a CancelFlag) -> Self {
        let reading = match request {
            DataRequest::File { .. } => 2,
            DataRequest::Preset { .. } | DataRequest::Columns { .. } => 1,
        };
        Stages {
            done: 0,
            of: reading + usize::from(splits) + 1,
            cancel,
        }
    }

    fn next(&mut self, name: &'static str) -> Result<(), String> {
        if self.cancel.is_cancelled() {
            return Err("cancelled".into());
        }
        self.done += 1;
        self.cancel.set_stage(Stage {
            step: self.done,
            of: self.of,
            name,
        });
        Ok(())
    }
}

type Selected = (
    Dataset,
    String,
    Option<Truth>,
    Option<Arc<Table>>,
    usize,
    DataSourceSpec,
    Option<Preset>,
);

fn select(
    table: Arc<Table>,
    roles: ColumnRoles,
    missing: MissingPolicy,
) -> Result<Selected, String> {
    let selection = table.select(&roles, missing).map_err(|e| e.to_string())?;
    let path = std::path::Path::new(&table.source);
    let name = path
        .file_name()
        .map_or(table.source.clone(), |n| n.to_string_lossy().into_owned());
    let label = format!("{name} ({} → {})", roles.x.join(","), roles.y);
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let source = DataSourceSpec::for_table(&table, path, roles, missing);
    Ok((
        selection.dataset,
        label,
        None,
        Some(table),
        selection.dropped_rows,
        source,
        None,
    ))
}

pub fn missing_policy(settings: &DataSettings) -> MissingPolicy {
    if settings.drop_missing {
        MissingPolicy::DropRows
    } else {
        MissingPolicy::Error
    }
}

/// The held-out recipe of the data controls.
fn held_out(settings: &DataSettings) -> TestSourceSpec {
    if settings.held_out_fraction() > 0.0 {
        TestSourceSpec::Split {
            fraction: settings.held_out_fraction(),
            seed: settings.split_seed,
        }
    } else {
        TestSourceSpec::None
    }
}

/// Puts a recipe into the data controls; an error when the window cannot load it.
pub fn recipe_into_settings(recipe: &RunData, settings: &mut DataSettings) -> Result<(), String> {
    settings.source = match recipe.source {
        DataSourceSpec::Preset { .. } => SourceKind::Preset,
        DataSourceSpec::File { .. } => SourceKind::File,
    };
    match &recipe.held_out {
        TestSourceSpec::Split { fraction, seed } => {
            *settings.held_out_fraction_mut() = *fraction;
            settings.split_seed = *seed;
        }
        TestSourceSpec::None => *settings.held_out_fraction_mut() = 0.0,
        TestSourceSpec::Separate { source } => {
            return Err(format!(
                "its held-out data come from a separate source ({}), which the window cannot load; use the command line",
                source.describe()
            ));
        }
    }
    match &recipe.source {
        DataSourceSpec::Preset { preset, params } => {
            settings.preset = *preset;
            settings.params = *params;
        }
        DataSourceSpec::File {
            path,
            roles,
            missing,
            ..
        } => {
            settings.csv_path = path.display().to_string();
            settings.x_columns = roles.x.clone();
            settings.y_column = roles.y.clone();
            settings.drop_missing = *missing == MissingPolicy::DropRows;
        }
    }
    Ok(())
}

impl WorkbenchApp {
    /// Starts loading what the data controls describe (replacing a load in progress).
    pub(crate) fn request_data(&mut self, adapt_settings: bool, then_show_run: Option<u64>) {
        match DataRequest::from_settings(&self.settings.data) {
            Ok(request) => self.start_data_task(request, adapt_settings, then_show_run),
            Err(error) => self.data_error = Some(error),
        }
    }

    /// Other columns of the loaded table (or a fresh read when there is none).
    pub(crate) fn request_columns(&mut self) {
        let Some(table) = self.data.as_ref().and_then(|d| d.table.clone()) else {
            self.request_data(false, None);
            return;
        };
        let request = DataRequest::Columns {
            table,
            roles: ColumnRoles {
                x: self.settings.data.x_columns.clone(),
                y: self.settings.data.y_column.clone(),
            },
            missing: missing_policy(&self.settings.data),
        };
        self.start_data_task(request, false, None);
    }

    pub(crate) fn start_data_task(
        &mut self,
        request: DataRequest,
        adapt_settings: bool,
        then_show_run: Option<u64>,
    ) {
        if let Some(job) = self.data_job.take() {
            job.task.cancel();
        }
        let held_out = held_out(&self.settings.data);
        let what = request.describe();
        match Task::spawn(what, self.wake.clone(), move |cancel| {
            request.prepare(held_out, cancel)
        }) {
            Ok(task) => {
                self.data_job = Some(DataJob {
                    task,
                    adapt_settings,
                    then_show_run,
                });
            }
            Err(error) => self.data_error = Some(error),
        }
    }

    /// Cancel: the current data stay.
    pub(crate) fn cancel_data_task(&mut self) {
        if let Some(job) = self.data_job.take() {
            job.task.cancel();
            self.data_error = Some(format!(
                "{} cancelled; the data shown are unchanged",
                job.task.what
            ));
        }
    }

    /// Installs the data task's result when it is ready.
    pub(crate) fn poll_data_task(&mut self) {
        let Some(job) = &self.data_job else {
            return;
        };
        match job.task.poll() {
            Poll::Pending => {}
            Poll::Failed(error) => {
                self.data_job = None;
                self.data_error = Some(error);
                if self.data.is_none() && self.settings.data.source == SourceKind::File {
                    // A stored file that no longer loads: start from the default preset.
                    self.settings.data.source = SourceKind::Preset;
                    self.request_data(false, None);
                }
            }
            Poll::Done(prepared) => {
                let (adapt_settings, then_show_run) = (job.adapt_settings, job.then_show_run);
                if let Some(stats) = &mut self.frame_stats {
                    let rows = prepared.train.len() + prepared.test.as_ref().map_or(0, |t| t.len());
                    stats.note(&format!(
                        "data in: {rows} rows, {} in {:.2} s",
                        job.task.what,
                        job.task.elapsed_secs()
                    ));
                }
                self.data_job = None;
                let preset = prepared.preset;
                self.install(prepared);
                if adapt_settings {
                    if let Some(preset) = preset {
                        self.adapt_head_to(preset);
                    }
                    self.adapt_to_small_data();
                }
                if let Some(id) = then_show_run {
                    self.show_run_on_loaded_data(id);
                }
            }
        }
    }

    /// Small data overfit within a few dozen epochs: early stopping (which keeps the best
    /// epoch's weights) goes on, and the data panel says so.
    fn adapt_to_small_data(&mut self) {
        self.data_note = None;
        let Some(data) = &self.data else {
            return;
        };
        if data.train.len() < SMALL_DATA_ROWS
            && data.test.is_some()
            && self.settings.config.early_stopping.is_none()
        {
            self.settings.config.early_stopping = Some(crate::nn::EarlyStopping {
                patience: self.settings.patience,
                ..crate::nn::EarlyStopping::default()
            });
            self.data_note = Some(format!(
                "Small data ({} training rows): early stopping is on, so training keeps the epoch with the best held-out NLL (Training panel to change it).",
                data.train.len()
            ));
        }
    }

    /// A classification preset wants the Bernoulli head and vice versa.
    fn adapt_head_to(&mut self, preset: Preset) {
        if preset.is_classification() != self.settings.config.head.is_classifier() {
            self.settings.config.head = if preset.is_classification() {
                crate::nn::Head::Bernoulli
            } else {
                crate::nn::Head::Mixture { components: 16 }
            };
        }
    }

    /// Installs prepared data and fits the view settings to them.
    fn install(&mut self, prepared: Prepared) {
        let Prepared {
            label,
            train,
            test,
            stats,
            y_view,
            is_binary,
            truth,
            table,
            dropped_rows,
            recipe,
            preset: _,
        } = prepared;
        // A note about the previous data (small data) no longer applies.
        self.data_note = None;
        if let DataSourceSpec::File { roles, .. } = &recipe.source {
            self.settings.data.x_columns = roles.x.clone();
            self.settings.data.y_column = roles.y.clone();
        }
        let generation = self.next_generation;
        self.next_generation += 1;
        let d = train.n_inputs();
        let view = &mut self.settings.view;
        if view.x_column >= d {
            view.x_column = 0;
        }
        if view.base_inputs.len() != d
            || self
                .data
                .as_ref()
                .is_none_or(|old| old.train.x_names() != train.x_names())
        {
            view.base_inputs.clear();
        }
        let x_range = stats
            .get(view.x_column)
            .map_or((0.0, 1.0), |s| (s.min, s.max));
        if !(x_range.0..=x_range.1).contains(&view.x_star) {
            view.x_star = stats.get(view.x_column).map_or(0.0, |s| s.median);
        }
        if d >= 2 {
            let plane = plane_column(view, d);
            let r = stats.get(plane).map_or((0.0, 1.0), |s| (s.min, s.max));
            if !(r.0..=r.1).contains(&view.plane_star) {
                view.plane_star = stats.get(plane).map_or(0.0, |s| s.median);
            }
        }
        let train = Arc::new(train);
        let test = test.map(Arc::new);
        self.start_best_nll(
            truth.clone(),
            generation,
            test.clone().unwrap_or_else(|| train.clone()),
        );
        self.data = Some(LoadedData {
            generation,
            label,
            train,
            test,
            stats,
            truth,
            y_view,
            dropped_rows,
            table,
            is_binary,
            recipe,
        });
        self.data_error = None;
        self.sent_view = None;
    }

    /// The truth's entropy on the held-out (else training) rows, in the background.
    fn start_best_nll(&mut self, truth: Option<Truth>, generation: u64, target: Arc<Dataset>) {
        self.best_nll = None;
        self.best_nll_job = truth.and_then(|truth| {
            Task::spawn("the best achievable NLL", self.wake.clone(), move |_| {
                Ok(truth.mean_nll(&target))
            })
            .ok()
            .map(|task| (generation, task))
        });
    }

    pub(crate) fn poll_best_nll(&mut self) {
        let Some((generation, task)) = &self.best_nll_job else {
            return;
        };
        match task.poll() {
            Poll::Pending => return,
            Poll::Done(nll) => {
                if self
                    .data
                    .as_ref()
                    .is_some_and(|d| d.generation == *generation)
                {
                    self.best_nll = nll.is_finite().then_some(nll);
                }
            }
            // Only a reference line is missing: say nothing louder than its absence.
            Poll::Failed(_) => self.best_nll = None,
        }
        self.best_nll_job = None;
    }
}

/// Column statistics over train and test together.
fn full_stats(train: &Dataset, test: Option<&Dataset>) -> Vec<ColumnStats> {
    match test {
        // Both parts of one source share its columns; were they ever to differ, the training
        // part's statistics are still right.
        Some(test) => train
            .column_stats_with(test)
            .unwrap_or_else(|_| train.column_stats()),
        None => train.column_stats(),
    }
}

/// The y range to plot: 0.2 % to 99 % quantiles (long tails would squash the picture),
/// padded by 5 %; the full range for a 0/1 target.
fn robust_y_range(data: &Dataset) -> (f64, f64) {
    if data.is_binary_target() {
        return (-0.1, 1.1);
    }
    let step = (data.len() / 50_000).max(1);
    let mut ys: Vec<f64> = data.y().iter().step_by(step).copied().collect();
    if ys.is_empty() {
        return (0.0, 1.0);
    }
    ys.sort_by(f64::total_cmp);
    let at = |q: f64| ys[((ys.len() - 1) as f64 * q).round() as usize];
    pad_range(at(0.002), at(0.99), 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lognormal(n: usize) -> DataRequest {
        DataRequest::Preset {
            preset: Preset::Lognormal,
            params: PresetParams {
                n,
                noise: 1.0,
                seed: 0,
            },
        }
    }

    #[test]
    fn the_stages_told_end_at_the_last_of_their_count() {
        let split = TestSourceSpec::Split {
            fraction: 0.5,
            seed: 0,
        };
        for (held_out, parts) in [(split.clone(), 3), (TestSourceSpec::None, 2)] {
            let handle = CancelFlag::default();
            let prepared = lognormal(1000).prepare(held_out, &handle);
            assert!(prepared.is_ok(), "{:?}", prepared.err());
            let last = handle.stage().expect("stages told");
            assert_eq!((last.step, last.of), (parts, parts));
            assert_eq!(last.name, "column statistics");
        }

        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("rows.csv");
        let rows: String = (0..100).map(|i| format!("{i},{}\n", i * i)).collect();
        std::fs::write(&path, format!("x,y\n{rows}")).expect("write");
        let file = DataRequest::File {
            path,
            roles: None,
            missing: MissingPolicy::Error,
        };
        let handle = CancelFlag::default();
        let prepared = file.prepare(split, &handle);
        assert!(prepared.is_ok(), "{:?}", prepared.err());
        let last = handle.stage().expect("stages told");
        assert_eq!(
            (last.step, last.of),
            (4, 4),
            "read, columns, split, statistics"
        );
    }

    #[test]
    fn a_cancelled_task_stops_before_its_first_part() {
        let handle = CancelFlag::default();
        handle.cancel();
        let result = lognormal(1000).prepare(TestSourceSpec::None, &handle);
        assert_eq!(result.err().as_deref(), Some("cancelled"));
        assert_eq!(handle.stage(), None, "no part was started");
    }
}
