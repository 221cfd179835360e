//! The data-parallel machinery of a training step: one lane per thread, each with its own
//! buffers; the batch split into fixed contiguous chunks, the lanes' gradients summed range by
//! range in lane order, and the Adam update shared out by parameter range. The work of a lane
//! depends only on its index, so a given thread count gives the same numbers bit for bit.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard};

use super::adam::AdamStep;
use super::head::HeadScratch;
use super::lanes::{LanePool, SpareCore};
use super::mlp::Workspace;
use super::model::{ChunkScore, Model, Scores, score_chunks};
use super::view::{PredictionView, ViewSpec};
use crate::data::Dataset;

/// Most lanes a step is split into (ranges are passed around in a fixed-size array).
pub const MAX_LANES: usize = 64;

/// Below this many multiply-adds per step a single thread is faster than splitting the batch.
const MIN_PARALLEL_WORK: usize = 1 << 20;

/// Threads actually used: the setting (0 = all cores), capped by the batch, and 1 when a step
/// is too small to be worth splitting. Depends only on the settings, so runs stay reproducible.
pub(crate) fn effective_threads(threads: usize, batch_size: usize, n_params: usize) -> usize {
    let wanted = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    if batch_size * n_params < MIN_PARALLEL_WORK {
        1
    } else {
        wanted.clamp(1, batch_size.clamp(1, MAX_LANES))
    }
}

/// Per-thread buffers: a workspace and a gradient vector.
struct Lane {
    ws: Workspace,
    head: HeadScratch<f32>,
    grads: Vec<f32>,
    loss_sum: f64,
    /// Buffers for scoring, apart from the step's so that these stay small and cache-warm.
    eval_ws: Workspace,
    /// Standardised inputs of the chunk being scored.
    eval_x: Vec<f32>,
}

/// What summing the lanes' gradients found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Reduction {
    pub all_finite: bool,
    /// Σ g² over the summed gradient (f64), when it was asked for.
    pub squared_norm: Option<f64>,
}

/// The lanes of a trainer and the pool of threads that runs them.
pub(crate) struct DataParallel {
    pool: Option<LanePool>,
    lanes: Vec<RwLock<Lane>>,
}

impl DataParallel {
    /// `threads` lanes (one when `threads` ≤ 1 or the threads cannot start: same results as a
    /// single thread), each with a gradient buffer of `n_params`.
    pub(crate) fn new(threads: usize, n_params: usize) -> Self {
        let pool = if threads > 1 {
            LanePool::new(threads).ok()
        } else {
            None
        };
        let lanes = (0..pool.as_ref().map_or(1, LanePool::lanes))
            .map(|_| {
                RwLock::new(Lane {
                    ws: Workspace::default(),
                    head: HeadScratch::default(),
                    grads: vec![0.0; n_params],
                    loss_sum: 0.0,
                    eval_ws: Workspace::default(),
                    eval_x: Vec::new(),
                })
            })
            .collect();
        DataParallel { pool, lanes }
    }

    pub(crate) fn lanes(&self) -> usize {
        self.lanes.len()
    }

    /// While `spare` is requested, the lanes run on one thread fewer (same results).
    pub(crate) fn spare_core_on_request(&mut self, spare: Arc<SpareCore>) {
        if let Some(pool) = &mut self.pool {
            pool.spare_core_on_request(spare);
        }
    }

    fn run(&self, work: &(dyn Fn(usize) + Sync)) {
        match &self.pool {
            Some(pool) => pool.run(work),
            None => work(0),
        }
    }

    /// Mean-NLL gradient of the first `rows` rows of a gathered batch into each lane's own
    /// buffer; returns the summed NLL (standardised units). Each lane takes a fixed
    /// contiguous chunk of the batch.
    ///
    /// # Shapes
    /// `batch_x`: at least rows × n_inputs, `batch_y`: at least rows.
    pub(crate) fn gradient(
        &self,
        model: &Model,
        batch_x: &[f32],
        batch_y: &[f32],
        rows: usize,
    ) -> f64 {
        let d = model.n_inputs();
        let head = model.head();
        let floor = model.spec.sigma_floor as f32;
        let mlp = &model.mlp;
        let chunk = rows.div_ceil(self.lanes.len());
        let scale = 1.0 / rows as f32;
        let lanes = &self.lanes;
        let work = |i: usize| {
            // Each lane is written only by its own thread: the lock is never contended.
            let Ok(mut guard) = lanes[i].write() else {
                return;
            };
            let lane = &mut *guard;
            let start = (i * chunk).min(rows);
            let end = ((i + 1) * chunk).min(rows);
            let r = end - start;
            lane.loss_sum = 0.0;
            if r == 0 {
                lane.grads.fill(0.0);
                return;
            }
            let x = &batch_x[start * d..end * d];
            mlp.forward(x, r, &mut lane.ws);
            let (outputs, out_grad) = lane.ws.outputs_and_grad(r, head.params_size());
            lane.loss_sum = head.batch_nll(
                outputs,
                &batch_y[start..end],
                floor,
                Some((out_grad, scale)),
                &mut lane.head,
            );
            mlp.backward(x, r, &mut lane.ws, &mut lane.grads);
        };
        self.run(&work);
        self.lanes.iter().map(|lane| read_lane(lane).loss_sum).sum()
    }

    /// Sums the lanes' gradients into `grads`, each lane thread taking one range of the
    /// parameters (summed in lane order: deterministic for a given thread count), and with
    /// `with_norm` their squared L2 norm (range by range, added in range order).
    pub(crate) fn reduce(&self, grads: &mut [f32], with_norm: bool) -> Reduction {
        let lanes = &self.lanes;
        let ranges = split_ranges(grads, lanes.len());
        let all_finite = AtomicBool::new(true);
        let squares: [AtomicU64; MAX_LANES] = std::array::from_fn(|_| AtomicU64::new(0));
        let work = |i: usize| {
            let Some(Ok(mut slot)) = ranges.get(i).map(|r| r.lock()) else {
                return;
            };
            let Some((offset, out)) = slot.as_mut() else {
                return;
            };
            let range = *offset..*offset + out.len();
            for (j, lane) in lanes.iter().enumerate() {
                let lane = read_lane(lane);
                let part = &lane.grads[range.clone()];
                if j == 0 {
                    out.copy_from_slice(part);
                } else {
                    out.iter_mut().zip(part).for_each(|(g, l)| *g += l);
                }
            }
            if !out.iter().all(|g| g.is_finite()) {
                all_finite.store(false, Ordering::Relaxed);
            }
            if with_norm {
                let sum: f64 = out.iter().map(|&g| f64::from(g) * f64::from(g)).sum();
                squares[i].store(sum.to_bits(), Ordering::Relaxed);
            }
        };
        self.run(&work);
        Reduction {
            all_finite: all_finite.into_inner(),
            squared_norm: with_norm.then(|| {
                squares
                    .iter()
                    .map(|s| f64::from_bits(s.load(Ordering::Relaxed)))
                    .sum()
            }),
        }
    }

    /// One Adam step, each lane thread updating one range of the parameters.
    pub(crate) fn update(
        &self,
        step: AdamStep,
        params: &mut [f32],
        m: &mut [f32],
        v: &mut [f32],
        grads: &[f32],
    ) {
        let lanes = self.lanes.len();
        let params = split_ranges(params, lanes);
        let m = split_ranges(m, lanes);
        let v = split_ranges(v, lanes);
        let work = |i: usize| {
            let (Some(Ok(mut p)), Some(Ok(mut m)), Some(Ok(mut v))) = (
                params.get(i).map(|r| r.lock()),
                m.get(i).map(|r| r.lock()),
                v.get(i).map(|r| r.lock()),
            ) else {
                return;
            };
            if let (Some((offset, p)), Some((_, m)), Some((_, v))) =
                (p.as_mut(), m.as_mut(), v.as_mut())
            {
                step.apply(p, &grads[*offset..*offset + p.len()], m, v);
            }
        };
        self.run(&work);
    }

    /// Scores of `model` on a dataset (original units): the same numbers as
    /// [`Model::score`], with the chunks shared out among the lanes.
    pub(crate) fn score(&self, model: &Model, data: &Dataset) -> Scores {
        let n_chunks = score_chunks(data);
        let next = AtomicUsize::new(0);
        let results = Mutex::new(vec![ChunkScore::default(); n_chunks]);
        let lanes = &self.lanes;
        self.run(&|i| {
            let Some(Ok(mut lane)) = lanes.get(i).map(|l| l.write()) else {
                return;
            };
            let Lane {
                eval_ws, eval_x, ..
            } = &mut *lane;
            loop {
                let c = next.fetch_add(1, Ordering::Relaxed);
                if c >= n_chunks {
                    break;
                }
                let score = model.score_chunk(data, c, eval_ws, eval_x);
                if let Ok(mut r) = results.lock() {
                    r[c] = score;
                }
            }
        });
        let results = results.into_inner().unwrap_or_else(PoisonError::into_inner);
        model.scores_from_chunks(data, results)
    }

    /// `model`'s predictions over `spec`: the same view as [`PredictionView::compute`], with
    /// the columns shared out among the lanes.
    pub(crate) fn prediction_view(&self, model: &Model, spec: &ViewSpec) -> PredictionView {
        PredictionView::compute_in_parts(model, spec, self.lanes.len(), &|work| self.run(work))
    }
}

/// Disjoint ranges of `values`, one per lane (with its offset), in a fixed-size array so that
/// no step allocates. Ranges are multiples of 16 floats so lanes never share a cache line.
type Ranges<'a> = [Mutex<Option<(usize, &'a mut [f32])>>; MAX_LANES];

fn split_ranges(values: &mut [f32], lanes: usize) -> Ranges<'_> {
    let mut ranges: Ranges<'_> = std::array::from_fn(|_| Mutex::new(None));
    let chunk = values
        .len()
        .div_ceil(lanes.max(1))
        .next_multiple_of(16)
        .max(16);
    for (i, part) in values.chunks_mut(chunk).enumerate().take(MAX_LANES) {
        ranges[i] = Mutex::new(Some((i * chunk, part)));
    }
    ranges
}

fn read_lane(lane: &RwLock<Lane>) -> RwLockReadGuard<'_, Lane> {
    lane.read().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_norm_of_the_reduction_is_that_of_the_summed_gradient() {
        let lanes = DataParallel::new(1, 40);
        if let Ok(mut lane) = lanes.lanes[0].write() {
            for (i, g) in lane.grads.iter_mut().enumerate() {
                *g = i as f32 * 0.5;
            }
        }
        let mut grads = vec![0.0; 40];
        let reduction = lanes.reduce(&mut grads, true);
        let expected: f64 = (0..40).map(|i| (i as f64 * 0.5).powi(2)).sum();
        assert_eq!(
            reduction,
            Reduction {
                all_finite: true,
                squared_norm: Some(expected)
            }
        );
        assert_eq!(grads[39], 19.5, "the lane's gradient was copied");
        assert_eq!(lanes.reduce(&mut grads, false).squared_norm, None);
    }

    #[test]
    fn ranges_cover_the_values_in_cache_line_multiples() {
        let mut values = vec![0.0f32; 100];
        let ranges = split_ranges(&mut values, 3);
        let parts: Vec<(usize, usize)> = ranges
            .iter()
            .filter_map(|r| {
                r.lock()
                    .ok()
                    .and_then(|r| r.as_ref().map(|(o, p)| (*o, p.len())))
            })
            .collect();
        assert_eq!(parts, vec![(0, 48), (48, 48), (96, 4)]);
    }
}
