//! The pool: helper workers that share out the engine worker's heavy, independent work.
//!
//! The engine worker (the one the page talks to, [`super::runner`]) keeps the file, the
//! cleaned matrix and the results. The page starts `n` more workers from the same code
//! (`?workers=N`, else the device's cores, capped) and joins each to the engine by a
//! `MessageChannel`: plain message passing, so it works on any static host (no
//! cross-origin isolation, no shared memory).
//!
//! What is shared out are tasks whose results do not depend on who computes them: the ks
//! of a sweep ([`crate::core::k_selection::SweepSetup::one_k`]) and the runs of a fit
//! ([`crate::core::kmeans::Prepared::run`], each run starting from its own place in the
//! seeded stream). The engine hands them out one at a time to whichever helper is free
//! and reduces in a fixed order (ks in k order, runs by [`crate::core::kmeans::better_run`]), so 1, 2, 3 or 8
//! helpers give the same bits. While the helpers work the engine only waits, so a
//! [`super::protocol::RequestBody::Cancel`] is read at once: the page stops the helpers,
//! the engine answers `Cancelled`, and the file and results it holds stay.
//!
//! A helper ([`serve_helper`]) holds the sweep's matrix (a sample of at most 100,000 rows)
//! or the fit's (every cleaned row), and its best run.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, MessagePort};

use super::protocol::{HelperReply, HelperTask};
use crate::core::ingest::{IngestError, IngestOptions, Table, TableRows};
use crate::core::k_selection::gap::GapReference;
use crate::core::k_selection::KOutcome;
use crate::core::kmeans::init::{PlusPlus, PlusPlusShard, Trial};
use crate::core::kmeans::shard::{FarRow, Next, Shard, ShardResult, StepPartials};
use crate::core::kmeans::{keep_better, KMeansParams, Prepared, RunOutcome, Workspace};
use crate::core::model::SavedModel;
use crate::core::pipeline::{PipelineError, PipelineErrorKind, SweepJob};
use crate::core::stream::{
    export_piece, ByteSource, ExportCounts, ExportPass, ExportedPiece, Piece, PieceReader, PieceSample, Sampled, Sampler,
};

/// The helper that hashes a file read in pieces, when the engine does not
/// ([`Pool::hashes_elsewhere`]).
const HASHER: usize = 0;

/// Tasks out at a time on each helper in [`Pool::share_out`].
const AHEAD: usize = 2;

/// Why a pooled job did not finish.
#[derive(Debug)]
pub enum PoolError {
    Cancelled,
    /// A helper could not do its task, or could not be reached (the message says which).
    Failed(String),
}

#[derive(Default)]
struct Inbox {
    replies: VecDeque<(usize, JsValue)>,
    cancelled: bool,
    /// The page replaced the helpers ([`Pool::close`]): every job from now on is cancelled.
    closed: bool,
    waker: Option<Waker>,
}

/// The engine's side of the pool: a port to each helper.
#[derive(Default)]
pub struct Pool {
    ports: Vec<MessagePort>,
    inbox: Rc<RefCell<Inbox>>,
    handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
    /// Asked before each task is handed out, while set ([`Pool::stopping_when`]): when it
    /// says stop, no more tasks go out, the answers of those out are waited for, and the
    /// job returns [`PoolError::Cancelled`]: the helpers are left with nothing in flight.
    stop: RefCell<Option<Box<dyn Fn() -> bool>>>,
}

impl Pool {
    /// Helpers joined.
    pub fn size(&self) -> usize {
        self.ports.len()
    }

    /// A pool of the helpers behind `ports` (an array of `MessagePort`).
    pub fn with_ports(ports: &js_sys::Array) -> Self {
        let mut pool = Self::default();
        for (index, port) in ports.iter().filter_map(|p| p.dyn_into::<MessagePort>().ok()).enumerate() {
            let inbox = pool.inbox.clone();
            let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let mut inbox = inbox.borrow_mut();
                inbox.replies.push_back((index, event.data()));
                if let Some(waker) = inbox.waker.take() {
                    waker.wake();
                }
            });
            port.set_onmessage(Some(handler.as_ref().unchecked_ref()));
            pool.ports.push(port);
            pool.handlers.push(handler);
        }
        pool
    }

    /// Closes the ports (the page replaced the helpers): late answers are dropped, and the
    /// job under way and any started later (the rest of a cancelled request, which went on
    /// to its next step before the cancel reached it) return [`PoolError::Cancelled`].
    pub fn close(&self) {
        for port in &self.ports {
            port.set_onmessage(None);
            port.close();
        }
        let mut inbox = self.inbox.borrow_mut();
        inbox.closed = true;
        inbox.cancelled = true;
        if let Some(waker) = inbox.waker.take() {
            waker.wake();
        }
    }

    /// Stops the job under way: it returns [`PoolError::Cancelled`] at once.
    pub fn cancel(&self) {
        let mut inbox = self.inbox.borrow_mut();
        inbox.cancelled = true;
        if let Some(waker) = inbox.waker.take() {
            waker.wake();
        }
    }

    /// Jobs from now on stop early (see `stop`) once `stop` says so; `None`: no more.
    pub fn stopping_when(&self, stop: Option<Box<dyn Fn() -> bool>>) {
        *self.stop.borrow_mut() = stop;
    }

    fn should_stop(&self) -> bool {
        self.stop.borrow().as_ref().is_some_and(|stop| stop())
    }

    /// A new job starts: earlier cancels and answers are forgotten (not the pool's closing).
    fn begin(&self) {
        let mut inbox = self.inbox.borrow_mut();
        inbox.cancelled = inbox.closed;
        inbox.replies.clear();
    }

    /// [`PoolError::Cancelled`] once the pool is closed: a task is not posted to a helper
    /// that has gone.
    fn open(&self) -> Result<(), PoolError> {
        if self.inbox.borrow().closed {
            Err(PoolError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// A task as a message: `{ task, data }`, the matrix beside the serde part.
    fn message(task: &HelperTask, data: Option<&js_sys::Float64Array>) -> Result<JsValue, PoolError> {
        match data {
            Some(data) => Self::message_with(task, &[("data", data.as_ref())]),
            None => Self::message_with(task, &[]),
        }
    }

    /// A task as a message `{ task, ... }` with typed arrays beside the serde part.
    fn message_with(task: &HelperTask, arrays: &[(&str, &JsValue)]) -> Result<JsValue, PoolError> {
        let encoded = serde_wasm_bindgen::to_value(task).map_err(|e| PoolError::Failed(format!("a task could not be encoded: {e}")))?;
        let message = js_sys::Object::new();
        let set = |key: &str, value: &JsValue| {
            js_sys::Reflect::set(&message, &key.into(), value).map(|_| ()).map_err(|e| PoolError::Failed(format!("{e:?}")))
        };
        set("task", &encoded)?;
        for (key, value) in arrays {
            set(key, value)?;
        }
        Ok(message.into())
    }

    fn post(&self, helper: usize, message: &JsValue) -> Result<(), PoolError> {
        self.open()?;
        let port = self.ports.get(helper).ok_or_else(|| PoolError::Failed(format!("there is no helper {helper}")))?;
        port.post_message(message).map_err(|e| PoolError::Failed(format!("a helper could not be reached: {e:?}")))
    }

    fn post_task(&self, helper: usize, task: &HelperTask) -> Result<(), PoolError> {
        self.post(helper, &Self::message(task, None)?)
    }

    async fn next_reply(&self) -> Result<(usize, HelperReply), PoolError> {
        self.next_reply_with_data().await.map(|(helper, reply, _)| (helper, reply))
    }

    /// The next answer, with the typed array that came beside it (`undefined` if none).
    async fn next_reply_with_data(&self) -> Result<(usize, HelperReply, JsValue), PoolError> {
        let (helper, value) = NextReply { inbox: self.inbox.clone() }.await?;
        let get = |key: &str| js_sys::Reflect::get(&value, &key.into()).unwrap_or(JsValue::UNDEFINED);
        let reply = serde_wasm_bindgen::from_value::<HelperReply>(get("reply"))
            .map_err(|e| PoolError::Failed(format!("a helper sent an answer the engine does not understand: {e}")))?;
        match reply {
            HelperReply::Failed { message } => Err(PoolError::Failed(message)),
            reply => Ok((helper, reply, get("data"))),
        }
    }

    /// Hands `n_tasks` tasks out to the helpers (after `setup` to each helper that gets a
    /// task: no more helpers than tasks hold the data) and gives each answer to `on_reply`.
    /// Each helper has [`AHEAD`] tasks at a time, one it works on and the next waiting in
    /// its port, so that it starts the next as soon as it has answered instead of waiting
    /// for this worker to take the answer in and send another; a helper that answers gets
    /// the next task not handed out. Task `i` is encoded by `task(i)` when it is handed out
    /// (a message, and the buffers it gives away). Returns how many helpers took part.
    async fn share_out(
        &self,
        setup: &JsValue,
        n_tasks: usize,
        task: &mut dyn FnMut(usize) -> Result<(JsValue, Option<js_sys::Array>), PoolError>,
        on_reply: &mut dyn FnMut(HelperReply, JsValue),
    ) -> Result<usize, PoolError> {
        self.share_out_then(setup, n_tasks, AHEAD, task, &mut || {}, on_reply).await
    }

    /// [`Pool::share_out`] with `ahead` tasks at a time on each helper at most (1: a helper
    /// gets its next task when it answers), calling `busy` once the first tasks are out:
    /// work of this worker's own then runs beside the helpers' instead of before them.
    async fn share_out_then(
        &self,
        setup: &JsValue,
        n_tasks: usize,
        ahead: usize,
        task: &mut dyn FnMut(usize) -> Result<(JsValue, Option<js_sys::Array>), PoolError>,
        busy: &mut dyn FnMut(),
        on_reply: &mut dyn FnMut(HelperReply, JsValue),
    ) -> Result<usize, PoolError> {
        self.begin();
        let helpers = self.size().min(n_tasks);
        if helpers == 0 {
            return Err(PoolError::Failed("the pool has no helper".to_owned()));
        }
        // Encoded once; each post copies it (structured clone) to its helper.
        for helper in 0..helpers {
            self.post(helper, setup)?;
        }
        let mut hand_out = |helper: usize, i: usize| -> Result<(), PoolError> {
            let (message, transfer) = task(i)?;
            match transfer {
                Some(transfer) => self.post_transferring(helper, &message, &transfer),
                None => self.post(helper, &message),
            }
        };
        // Round the helpers: each has its first task before any has a second.
        let first_out = n_tasks.min(helpers.saturating_mul(ahead.max(1)));
        let mut next = 0;
        while next < first_out {
            hand_out(next % helpers, next)?;
            next += 1;
        }
        busy();
        let (mut answered, mut stopping) = (0, false);
        while answered < next {
            let (helper, reply, data) = self.next_reply_with_data().await?;
            answered += 1;
            on_reply(reply, data);
            stopping = stopping || self.should_stop();
            if next < n_tasks && !stopping {
                hand_out(helper, next)?;
                next += 1;
            }
        }
        if stopping {
            return Err(PoolError::Cancelled);
        }
        Ok(helpers)
    }

    /// Posts `message`, giving the buffers in `transfer` away (not copied).
    fn post_transferring(&self, helper: usize, message: &JsValue, transfer: &js_sys::Array) -> Result<(), PoolError> {
        self.open()?;
        let port = self.ports.get(helper).ok_or_else(|| PoolError::Failed(format!("there is no helper {helper}")))?;
        port.post_message_with_transferable(message, transfer)
            .map_err(|e| PoolError::Failed(format!("a helper could not be reached: {e:?}")))
    }

    /// Reads the pieces of `split` on the helpers (their rows, in order, for
    /// [`crate::core::pipeline::assemble_each`], held in the helpers' JavaScript arrays
    /// until then); `progress(done, of)` after each piece; `busy` once the helpers have
    /// their first pieces (as [`Pool::share_out_then`]).
    pub async fn read_pieces(
        &self,
        split: &crate::core::ingest::pieces::Split<'_>,
        options: &crate::core::ingest::IngestOptions,
        progress: &mut dyn FnMut(usize, usize),
        busy: &mut dyn FnMut(),
    ) -> Result<Vec<JsPiece>, PoolError> {
        let n = split.len();
        let setup = Self::message(&HelperTask::Pieces { format: split.format.clone(), options: options.clone() }, None)?;
        let mut pieces: Vec<Option<JsPiece>> = (0..n).map(|_| None).collect();
        let mut failure: Option<String> = None;
        let mut done = 0;
        // A piece at a time on each helper: each piece out is a copy of its part of the file.
        self.share_out_then(
            &setup,
            n,
            1,
            &mut |index| {
                let (text, first_line) = split.piece(index).ok_or_else(|| PoolError::Failed(format!("there is no piece {index}")))?;
                let text = js_sys::Uint8Array::from(text.as_bytes());
                let transfer = js_sys::Array::of1(&text.buffer());
                let task = HelperTask::Piece { index, first_line, first: index == 0 };
                Ok((Self::message_with(&task, &[("text", text.as_ref())])?, Some(transfer)))
            },
            busy,
            &mut |reply, data| {
                if let HelperReply::Piece { index, ragged, repeated_headers, bad_cells } = reply {
                    let Some((row_lines, columns)) = arrays_as_rows(&data) else {
                        failure.get_or_insert_with(|| format!("piece {index} came back damaged"));
                        return;
                    };
                    let piece = JsPiece { columns, row_lines, ragged, repeated_headers, bad_cells };
                    place(&mut pieces, index, piece, &mut failure, "piece");
                    done += 1;
                    progress(done, n);
                }
            },
        )
        .await?;
        all_placed(pieces, failure, "piece")
    }

    /// Profiles every column of `table` on the helpers (the widest first), as
    /// [`crate::core::profile::profile_columns`] does here, bit for bit; `progress(done,
    /// of)` after each column.
    pub async fn profile(
        &self,
        table: &crate::core::ingest::Table,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<crate::core::profile::TableProfile, PoolError> {
        use crate::core::profile::{ColumnJob, NumericColumn};
        let n_columns = table.n_columns();
        let mut order: Vec<usize> = (0..n_columns).collect();
        order.sort_by_key(|&c| std::cmp::Reverse(table.columns.get(c).map_or(0, |col| col.parts().0.len())));
        let lines: Vec<f64> = table.row_lines.iter().map(|&l| l as f64).collect();
        let setup = Self::message(&HelperTask::Columns, Some(&js_sys::Float64Array::from(lines.as_slice())))?;
        drop(lines);
        let mut profiles: Vec<Option<(crate::core::profile::ColumnProfile, Option<NumericColumn>)>> = vec![None; n_columns];
        let mut failure: Option<String> = None;
        let mut done = 0;
        self.share_out(
            &setup,
            n_columns,
            &mut |i| {
                let column = order.get(i).copied().unwrap_or_default();
                let empty = crate::core::ingest::TextColumn::default();
                let (text, ends) = table.columns.get(column).unwrap_or(&empty).parts();
                let text = js_sys::Uint8Array::from(text.as_bytes());
                let ends = js_sys::Uint32Array::from(ends);
                let transfer = js_sys::Array::of2(&text.buffer(), &ends.buffer());
                let task = HelperTask::Column { job: ColumnJob::of(table, column, None) };
                Ok((Self::message_with(&task, &[("text", text.as_ref()), ("ends", ends.as_ref())])?, Some(transfer)))
            },
            &mut |reply, data| {
                if let HelperReply::Column { profile, invalid_rows } = reply {
                    let numbers = invalid_rows.map(|invalid_rows| NumericColumn {
                        values: data.dyn_ref::<js_sys::Float64Array>().map(|d| d.to_vec()).unwrap_or_default(),
                        invalid_rows,
                    });
                    if numbers.as_ref().is_some_and(|n| n.values.len() != table.n_rows()) {
                        failure
                            .get_or_insert_with(|| format!("a helper sent the numbers of column {} without every row", profile.index + 1));
                    }
                    let index = profile.index;
                    place(&mut profiles, index, (profile, numbers), &mut failure, "column");
                    done += 1;
                    progress(done, n_columns);
                }
            },
        )
        .await?;
        let (columns, numbers) = all_placed(profiles, failure, "column")?.into_iter().unzip();
        Ok(crate::core::profile::TableProfile { columns, numbers })
    }

    /// Scores every k of `job` on the helpers; `progress(k, done, of)` after each.
    pub async fn sweep(&self, job: &SweepJob, progress: &mut dyn FnMut(usize, usize, usize)) -> Result<Vec<KOutcome>, PoolError> {
        // The largest k first: it costs most, and a long task handed out last would leave
        // the other helpers idle at the end.
        let ks: Vec<usize> = (2..=job.k_max).rev().collect();
        let n_k = ks.len();
        let mut outcomes = Vec::with_capacity(n_k);
        let setup = Self::message(&HelperTask::Sweep { job: job.clone() }, None)?;
        self.share_out(
            &setup,
            n_k,
            &mut |i| Ok((Self::message(&HelperTask::K { k: ks.get(i).copied().unwrap_or(2) }, None)?, None)),
            &mut |reply, _| {
                if let HelperReply::K { outcome } = reply {
                    outcomes.push(outcome);
                    progress(outcomes.last().map_or(0, |o| o.k), outcomes.len(), n_k);
                }
            },
        )
        .await?;
        Ok(outcomes)
    }

    /// The blocks' totals of the kept sweep's silhouettes of `labelings` (after
    /// [`Pool::sweep`], whose job the helpers keep), in block order.
    pub async fn silhouette_blocks(&self, labelings: Vec<Vec<u32>>, n_blocks: usize) -> Result<Vec<Vec<f64>>, PoolError> {
        let mut blocks: Vec<Option<Vec<f64>>> = vec![None; n_blocks];
        let mut failure = None;
        let setup = Self::message(&HelperTask::Silhouettes { labelings }, None)?;
        self.share_out(
            &setup,
            n_blocks,
            &mut |block| Ok((Self::message(&HelperTask::SilhouetteBlock { block }, None)?, None)),
            &mut |reply, _| {
                if let HelperReply::SilhouetteBlock { block, totals } = reply {
                    place(&mut blocks, block, totals, &mut failure, "silhouette block");
                }
            },
        )
        .await?;
        all_placed(blocks, failure, "silhouette block")
    }

    /// Fits every resample of a stability check on the helpers; their outcomes in resample
    /// order (each, or why it could not be fitted); `progress(done, of)` after each; `busy`
    /// once every resample is out (as [`Pool::share_out_then`]).
    pub async fn stability(
        &self,
        resampling: &crate::core::stability::Resampling,
        progress: &mut dyn FnMut(usize, usize),
        busy: &mut dyn FnMut(),
    ) -> Result<Vec<Result<crate::core::stability::Resampled, String>>, PoolError> {
        let n = resampling.n_resamples();
        let mut outcomes = vec![None; n];
        let mut failure = None;
        let mut done = 0;
        let setup = Self::message(&HelperTask::Stability { resampling: resampling.clone() }, None)?;
        // Every resample out at once: `busy` (the segments described) takes longer than a
        // resample, and the helpers would wait for it between two.
        self.share_out_then(&setup, n, n, &mut |b| Ok((Self::message(&HelperTask::Resample { b }, None)?, None)), busy, &mut |reply, _| {
            if let HelperReply::Resampled { b, outcome } = reply {
                place(&mut outcomes, b, outcome, &mut failure, "resample");
                done += 1;
                progress(done, n);
            }
        })
        .await?;
        all_placed(outcomes, failure, "resample")
    }

    /// Makes the `n_runs` runs of a fit of `matrix` (row-major, `d` features, copied out of
    /// the engine's memory) on the helpers and returns the best; `progress(done, of)` after
    /// each run; `busy` once the helpers have their first runs, [`AHEAD`] each (as
    /// [`Pool::share_out_then`]): work of the engine's own then runs beside the runs.
    pub async fn fit(
        &self,
        matrix: js_sys::Float64Array,
        d: usize,
        params: &KMeansParams,
        n_runs: usize,
        progress: &mut dyn FnMut(usize, usize),
        busy: &mut dyn FnMut(),
    ) -> Result<RunOutcome, PoolError> {
        let mut done = 0;
        let setup = Self::message(&HelperTask::Fit { d, params: params.clone() }, Some(&matrix))?;
        let helpers = self
            .share_out_then(
                &setup,
                n_runs,
                AHEAD,
                &mut |run| Ok((Self::message(&HelperTask::Run { run }, None)?, None)),
                busy,
                &mut |_, _| {
                    done += 1;
                    progress(done, n_runs);
                },
            )
            .await?;
        drop(matrix);
        for helper in 0..helpers {
            self.post_task(helper, &HelperTask::Best)?;
        }
        let mut best: Option<RunOutcome> = None;
        for _ in 0..helpers {
            if let (_, HelperReply::Best { outcome: Some(outcome) }) = self.next_reply().await? {
                keep_better(&mut best, outcome);
            }
        }
        best.ok_or_else(|| PoolError::Failed("no helper made a run".to_owned()))
    }
}

impl Pool {
    /// Makes every run of the fit `prepared` (which holds the centred matrix) with its rows
    /// shared out: each helper keeps a shard of whole blocks, the initial centres are
    /// drawn here, and every iteration's partial sums are added here in block order
    /// ([`crate::core::kmeans::shard::Iterations`]), so the bits are those of a fit on one
    /// worker. `initial`: the first run's centres (in the centred units), given instead of
    /// drawn (a large fit's best start, [`crate::core::pipeline::FitPlan`]).
    /// `progress(fraction)` after each iteration.
    pub async fn fit_by_rows(
        &self,
        prepared: &Prepared,
        shards: Vec<js_sys::Float64Array>,
        params: &KMeansParams,
        mut initial: Option<Vec<f64>>,
        progress: &mut dyn FnMut(f64),
    ) -> Result<RunOutcome, PoolError> {
        self.begin();
        let ranges = crate::core::kmeans::shard::shard_ranges(prepared.n_rows(), self.size());
        let (d, k) = (prepared.n_features(), params.n_clusters);
        if shards.len() != ranges.len() {
            return Err(PoolError::Failed(format!("{} shards were made for {} helpers", shards.len(), ranges.len())));
        }
        // Rows [`Pool::shards`] copied as the matrix holds them are centred by their helper.
        let means = prepared.centred().is_empty().then(|| prepared.means().to_vec());
        for (helper, (rows, data)) in ranges.iter().zip(shards).enumerate() {
            let task =
                HelperTask::Shard { first_row: rows.start, n_rows: rows.len(), d, k, algorithm: params.algorithm, means: means.clone() };
            self.post_transferring(helper, &Self::message(&task, Some(&data))?, &js_sys::Array::of1(&data.buffer()))?;
        }
        let helpers = ranges.len();
        let failed = |e: crate::core::kmeans::KMeansError| PoolError::Failed(e.to_string());
        let (n_runs, max_iterations) = (prepared.n_runs(), params.max_iterations.max(1));
        let mut best: Option<RunOutcome> = None;
        for run in 0..n_runs {
            let initial = match (initial.take(), prepared.plus_plus(run)) {
                (Some(given), _) => given,
                (None, Some((draw, first))) => self.draw_by_rows(prepared, draw, first, helpers).await?,
                (None, None) => prepared.initial_centers(run).map_err(failed)?,
            };
            let mut iterations = prepared.iterations(initial);
            let mut next = iterations.start();
            let mut run_start = true;
            let ended = loop {
                let task = HelperTask::Next { next: next.clone(), run_start };
                run_start = false;
                let replies = self.ask_every(&task, helpers).await?.into_iter();
                next = match next {
                    Next::Step { .. } => {
                        let parts: Vec<StepPartials> =
                            replies.filter_map(|r| if let HelperReply::Step { partials } = r { Some(partials) } else { None }).collect();
                        check_all(parts.len(), helpers)?;
                        iterations.stepped(&parts)
                    }
                    Next::Farthest { .. } => {
                        let parts: Vec<Vec<FarRow>> =
                            replies.filter_map(|r| if let HelperReply::Far { rows } = r { Some(rows) } else { None }).collect();
                        check_all(parts.len(), helpers)?;
                        iterations.relocated(&parts)
                    }
                    Next::Finish { .. } => {
                        let parts: Vec<ShardResult> =
                            replies.filter_map(|r| if let HelperReply::Finished { result } = r { Some(result) } else { None }).collect();
                        check_all(parts.len(), helpers)?;
                        break iterations.finished(parts);
                    }
                };
                if let Some((iteration, _)) = iterations.take_progress() {
                    progress((run as f64 + iteration as f64 / max_iterations as f64) / n_runs as f64);
                }
            };
            keep_better(&mut best, prepared.outcome(run, ended));
            progress((run + 1) as f64 / n_runs as f64);
        }
        best.ok_or_else(|| PoolError::Failed("no run was made".to_owned()))
    }

    /// Hands out tasks made one at a time by `next` (`None`: there are no more; a message and
    /// the buffers it gives away), after `setup` to every helper, at most `ahead` at a time on
    /// each, and gives each answer to `on_reply`: for work whose tasks are not known in
    /// advance (the pieces of a file read as it goes).
    async fn stream_out(
        &self,
        setup: &JsValue,
        ahead: usize,
        next: &mut dyn FnMut() -> Result<Option<(JsValue, js_sys::Array)>, PoolError>,
        on_reply: &mut dyn FnMut(HelperReply, JsValue),
    ) -> Result<(), PoolError> {
        self.begin();
        let helpers = self.size();
        if helpers == 0 {
            return Err(PoolError::Failed("the pool has no helper".to_owned()));
        }
        for helper in 0..helpers {
            self.post(helper, setup)?;
        }
        let mut hand_out = |helper: usize| -> Result<bool, PoolError> {
            match next()? {
                Some((message, transfer)) => self.post_transferring(helper, &message, &transfer).map(|()| true),
                None => Ok(false),
            }
        };
        let (mut out, mut ended) = (0usize, false);
        'first: for _ in 0..ahead.max(1) {
            for helper in 0..helpers {
                if !hand_out(helper)? {
                    ended = true;
                    break 'first;
                }
                out += 1;
            }
        }
        let mut stopping = false;
        while out > 0 {
            let (helper, reply, data) = self.next_reply_with_data().await?;
            out -= 1;
            on_reply(reply, data);
            stopping = stopping || self.should_stop();
            if !ended && !stopping {
                if hand_out(helper)? {
                    out += 1;
                } else {
                    ended = true;
                }
            }
        }
        if stopping {
            return Err(PoolError::Cancelled);
        }
        Ok(())
    }

    /// The pieces of a file too large to hold after its first, as `reader` makes them: a
    /// piece cut at a line break goes to a helper (`work`'s task), any other is done here
    /// (`work.here`), and every piece's part is given to `work.in_turn` in file order.
    async fn pieces_out<W: PieceWork>(
        &self,
        reader: &mut PieceReader,
        source: &mut dyn ByteSource,
        options: &IngestOptions,
        setup: &JsValue,
        work: &RefCell<W>,
        progress: &mut dyn FnMut(f64),
    ) -> Result<Result<(), PipelineError>, PoolError> {
        /// The parts waiting for their turn, the next turn, and the first error.
        type InTurn<P> = (std::collections::BTreeMap<usize, P>, usize, Option<PipelineError>);
        let state: RefCell<InTurn<W::Part>> = RefCell::new((std::collections::BTreeMap::new(), 1, None));
        let add = |index: usize, part: Result<W::Part, PipelineError>| {
            let mut state = state.borrow_mut();
            let (waiting, turn, error) = &mut *state;
            match part {
                Ok(part) => {
                    waiting.insert(index, part);
                }
                Err(e) => {
                    error.get_or_insert(e);
                }
            }
            while let Some(part) = waiting.remove(turn) {
                *turn += 1;
                if let Err(e) = work.borrow_mut().in_turn(part) {
                    error.get_or_insert(e);
                }
            }
        };
        let mut index = 1usize;
        let hashed_elsewhere = self.hashes_elsewhere();
        self.stream_out(
            setup,
            AHEAD,
            &mut || loop {
                if state.borrow().2.is_some() {
                    return Ok(None);
                }
                let at = reader.position();
                let piece = match reader.next(source, options) {
                    Ok(piece) => piece,
                    Err(e) => {
                        state.borrow_mut().2 = Some(e);
                        return Ok(None);
                    }
                };
                progress(reader.fraction());
                let i = index;
                index += 1;
                match piece {
                    None => return Ok(None),
                    Some(Piece::Read { table, unhashed, .. }) => {
                        self.hash_there(&unhashed)?;
                        let part = work.borrow_mut().here(table.map(|t| *t));
                        add(i, part);
                    }
                    Some(Piece::Cut { bytes, first_line }) => {
                        let text = js_sys::Uint8Array::from(bytes.as_slice());
                        drop(bytes);
                        if hashed_elsewhere {
                            // A copy to the hasher (the browser's), then the bytes given away.
                            self.post(HASHER, &Self::message_with(&HelperTask::Hash, &[("text", text.as_ref())])?)?;
                        }
                        let transfer = js_sys::Array::of1(&text.buffer());
                        let task = work.borrow().task(i, first_line, at);
                        return Ok(Some((Self::message_with(&task, &[("text", text.as_ref())])?, transfer)));
                    }
                }
            },
            &mut |reply, data| {
                let part = work.borrow().reply(reply, &data);
                if let Some((i, part)) = part {
                    add(i, part);
                }
            },
        )
        .await?;
        let (waiting, _, error) = state.into_inner();
        if let Some(error) = error {
            return Ok(Err(error));
        }
        if !waiting.is_empty() {
            return Err(PoolError::Failed("a piece of the file did not come back".to_owned()));
        }
        progress(1.0);
        Ok(Ok(()))
    }

    /// Whether a file read in pieces is hashed by a helper ([`HASHER`]) rather than by the
    /// engine's reader: with two or more helpers on the cores, the engine's share of them
    /// cannot keep up with reading, cutting and hashing the pieces (SHA-256 in wasm, about
    /// 240 MB/s here) while the helpers read them; with one, the engine hashes on a core
    /// of its own.
    fn hashes_elsewhere(&self) -> bool {
        self.size() >= 2
    }

    /// A reader of a file in pieces, hashing here or leaving it to the [`HASHER`] (told to
    /// start).
    fn piece_reader(&self, name: &str, size: u64, piece_bytes: usize) -> Result<PieceReader, PoolError> {
        if self.hashes_elsewhere() {
            self.post_task(HASHER, &HelperTask::HashStart)?;
            Ok(PieceReader::hashed_elsewhere(name, size, piece_bytes))
        } else {
            Ok(PieceReader::new(name, size, piece_bytes))
        }
    }

    /// Bytes a reader left unhashed (none, when it hashes), to the [`HASHER`].
    fn hash_there(&self, unhashed: &[u8]) -> Result<(), PoolError> {
        if unhashed.is_empty() {
            return Ok(());
        }
        let text = js_sys::Uint8Array::from(unhashed);
        let transfer = js_sys::Array::of1(&text.buffer());
        self.post_transferring(HASHER, &Self::message_with(&HelperTask::Hash, &[("text", text.as_ref())])?, &transfer)
    }

    /// The SHA-256 of the bytes `reader` read: its own, or the [`HASHER`]'s (asked once
    /// every other task is answered).
    async fn pieces_hash(&self, reader: PieceReader) -> Result<String, PoolError> {
        if let Some(sha256) = reader.sha256() {
            return Ok(sha256);
        }
        self.post_task(HASHER, &HelperTask::HashEnd)?;
        match self.next_reply().await? {
            (_, HelperReply::Hashed { sha256 }) => Ok(sha256),
            _ => Err(PoolError::Failed("the file's hash did not come back".to_owned())),
        }
    }

    /// The first pass over a file too large to hold, as [`crate::core::stream::sample`]
    /// makes it, bit for bit: the engine reads the file a piece at a time (the bytes, their
    /// hash, where each piece ends: [`PieceReader`]) and the helpers read the pieces cut at
    /// line breaks, each sending back its rows whose draw is under the sample's `p` when it
    /// was handed out; the engine adds them in file order ([`Sampler`], which draws them
    /// again under the `p` of their turn). Pieces whose records may run over line breaks
    /// are read here, in their turn.
    pub async fn sample_pieces(
        &self,
        name: &str,
        source: &mut dyn ByteSource,
        options: &IngestOptions,
        target_rows: usize,
        piece_bytes: usize,
        progress: &mut dyn FnMut(f64),
    ) -> Result<Result<Sampled, PipelineError>, PoolError> {
        let size = source.size();
        let failed = |e: IngestError| PipelineError { file: name.to_owned(), kind: PipelineErrorKind::Ingest(e) };
        let mut reader = self.piece_reader(name, size, piece_bytes)?;
        let mut sampler = Sampler::new(target_rows, size, piece_bytes);
        // The first piece, here: it tells the format the helpers read the rest in.
        let template = match reader.next(source, options) {
            Ok(Some(Piece::Read { table: Some(table), first: true, unhashed })) => {
                self.hash_there(&unhashed)?;
                // What every piece's rows are put back into.
                let template = match table.with_rows(TableRows::default()) {
                    Ok(template) => template,
                    Err(e) => return Ok(Err(failed(e))),
                };
                if let Err(e) = sampler.first(*table) {
                    return Ok(Err(failed(e)));
                }
                template
            }
            Ok(_) => return Ok(Err(failed(IngestError::Empty))),
            Err(e) => return Ok(Err(e)),
        };
        progress(reader.fraction());
        let Some(format) = reader.format().cloned() else { return Ok(Err(failed(IngestError::Empty))) };
        let setup = Self::message(&HelperTask::StreamPieces { format, options: options.clone() }, None)?;
        let work = RefCell::new(SampleWork { name, sampler, template });
        if let Err(e) = self.pieces_out(&mut reader, source, options, &setup, &work, progress).await? {
            return Ok(Err(e));
        }
        let sha256 = self.pieces_hash(reader).await?;
        let sampler = work.into_inner().sampler;
        Ok(sampler.finish().map_err(failed).map(|(table, total_rows, columns)| Sampled { table, total_rows, columns, bytes: size, sha256 }))
    }

    /// The second pass over a file too large to hold, as
    /// [`crate::core::stream::export_segmented`] writes it, byte for byte: the engine reads
    /// the file a piece at a time ([`PieceReader`]) and the helpers write the pieces cut at
    /// line breaks, each as a `Blob`; `sink` gets every piece's `Blob` in file order. Pieces
    /// whose records may run over line breaks, and the first, are written here in their
    /// turn. The pass's `sha256`: the first pass's hash (a file changed since is refused).
    pub async fn export_pieces(
        &self,
        pass: &ExportPass<'_>,
        source: &mut dyn ByteSource,
        progress: &mut dyn FnMut(f64),
        sink: &mut dyn FnMut(web_sys::Blob),
    ) -> Result<Result<ExportCounts, PipelineError>, PoolError> {
        let ExportPass { name, options, model, names, columns, sha256, piece_bytes, counts_only } = *pass;
        let failed = |message: String| PipelineError { file: name.to_owned(), kind: PipelineErrorKind::Pieces(message) };
        let mut reader = self.piece_reader(name, source.size(), piece_bytes)?;
        let counts = ExportCounts { per_segment: vec![0; model.n_clusters], ..ExportCounts::default() };
        let mut work = ExportWork { name, model, names, columns, counts_only, counts, sink };
        // The first piece, here: it tells the format the helpers read the rest in.
        match reader.next(source, options) {
            Ok(Some(Piece::Read { table: Some(table), first: true, unhashed })) => match work.write_here(*table, true) {
                Ok(part) => {
                    self.hash_there(&unhashed)?;
                    if let Err(e) = work.in_turn(part) {
                        return Ok(Err(e));
                    }
                }
                Err(e) => return Ok(Err(e)),
            },
            Ok(_) => return Ok(Err(failed("the file has no rows any more: choose it again".to_owned()))),
            Err(e) => return Ok(Err(e)),
        }
        progress(reader.fraction());
        let Some(format) = reader.format().cloned() else { return Ok(Err(failed("the file could not be read again".to_owned()))) };
        let task = HelperTask::StreamExport {
            format,
            options: options.clone(),
            model: Box::new(model.clone()),
            names: names.to_vec(),
            columns,
            counts_only,
        };
        let setup = Self::message(&task, None)?;
        let work = RefCell::new(work);
        if let Err(e) = self.pieces_out(&mut reader, source, options, &setup, &work, progress).await? {
            return Ok(Err(e));
        }
        let read = self.pieces_hash(reader).await?;
        if sha256.is_some_and(|sha256| read != sha256) {
            return Ok(Err(failed("the file changed since it was read: choose it again".to_owned())));
        }
        Ok(Ok(ExportCounts { sha256: read, ..work.into_inner().counts }))
    }
}

/// What [`Pool::pieces_out`] does with the pieces of a file too large to hold.
trait PieceWork {
    /// A piece's result, waiting for its turn.
    type Part;
    /// The helper's task for a piece cut at a line break (its bytes go beside it).
    fn task(&self, index: usize, first_line: u64, at: u64) -> HelperTask;
    /// A helper's answer: the piece's index and its part.
    fn reply(&self, reply: HelperReply, data: &JsValue) -> Option<(usize, Result<Self::Part, PipelineError>)>;
    /// A piece read here (one whose records may run over line breaks).
    fn here(&mut self, table: Option<Table>) -> Result<Self::Part, PipelineError>;
    /// A piece's part, in file order.
    fn in_turn(&mut self, part: Self::Part) -> Result<(), PipelineError>;
}

/// The first pass's pieces ([`Pool::sample_pieces`]).
struct SampleWork<'a> {
    name: &'a str,
    sampler: Sampler,
    /// The first piece's table without rows: what a helper's rows are put back into.
    template: Table,
}

impl PieceWork for SampleWork<'_> {
    /// The piece's part of the sample (`None`: it holds no data row).
    type Part = Option<PieceSample>;

    fn task(&self, index: usize, first_line: u64, at: u64) -> HelperTask {
        HelperTask::StreamPiece { index, first_line, at, p: self.sampler.p() }
    }

    fn reply(&self, reply: HelperReply, data: &JsValue) -> Option<(usize, Result<Self::Part, PipelineError>)> {
        let HelperReply::Sampled { index, rows, columns, ragged, warnings } = reply else { return None };
        // Blank lines, or a repeated header: nothing, as when read here.
        if rows == 0 {
            return Some((index, Ok(None)));
        }
        let back = arrays_as_rows(data).map(|(row_lines, cols)| TableRows {
            columns: cols.into_iter().map(|(text, ends)| (text.to_vec(), ends.to_vec())).collect(),
            row_lines: row_lines.map(|l| l.to_vec().into_iter().map(|l| l as u64).collect()).unwrap_or_default(),
            ragged,
            warnings,
        });
        let kept = match back {
            Some(back) => self.template.with_rows(back),
            None => Err(IngestError::Malformed { line: 0, message: format!("piece {index} came back damaged") }),
        };
        let failed = |e: IngestError| PipelineError { file: self.name.to_owned(), kind: PipelineErrorKind::Ingest(e) };
        Some((index, kept.map(|kept| Some(PieceSample { kept, rows, columns })).map_err(failed)))
    }

    fn here(&mut self, table: Option<Table>) -> Result<Self::Part, PipelineError> {
        let failed = |e: IngestError| PipelineError { file: self.name.to_owned(), kind: PipelineErrorKind::Ingest(e) };
        table.map(|table| PieceSample::of(table, self.sampler.p())).transpose().map_err(failed)
    }

    fn in_turn(&mut self, part: Self::Part) -> Result<(), PipelineError> {
        let failed = |e: IngestError| PipelineError { file: self.name.to_owned(), kind: PipelineErrorKind::Ingest(e) };
        part.map_or(Ok(()), |piece| self.sampler.add(piece)).map_err(failed)
    }
}

/// The second pass's pieces ([`Pool::export_pieces`]).
struct ExportWork<'a> {
    name: &'a str,
    model: &'a SavedModel,
    names: &'a [String],
    columns: usize,
    /// Rows placed and counted, no CSV written ([`ExportPass::counts_only`]).
    counts_only: bool,
    counts: ExportCounts,
    sink: &'a mut dyn FnMut(web_sys::Blob),
}

impl ExportWork<'_> {
    /// A piece written here: counted, and its CSV as a `Blob` (none with `counts_only`).
    fn write_here(&self, table: Table, first: bool) -> Result<(ExportedPiece, Option<web_sys::Blob>), PipelineError> {
        let piece = export_piece(table, self.model, self.names, self.columns, first, self.counts_only).map_err(|e| e.in_file(self.name))?;
        if self.counts_only {
            return Ok((piece, None));
        }
        let blob = blob_of(&piece.bytes)
            .map_err(|message| PipelineError { file: self.name.to_owned(), kind: PipelineErrorKind::Pieces(message) })?;
        Ok((ExportedPiece { bytes: Vec::new(), ..piece }, Some(blob)))
    }
}

impl PieceWork for ExportWork<'_> {
    /// The piece's counts (no bytes) and its CSV (`None`: it holds no data row).
    type Part = (ExportedPiece, Option<web_sys::Blob>);

    fn task(&self, index: usize, first_line: u64, at: u64) -> HelperTask {
        HelperTask::ExportPiece { index, first_line, at }
    }

    fn reply(&self, reply: HelperReply, data: &JsValue) -> Option<(usize, Result<Self::Part, PipelineError>)> {
        let HelperReply::Exported { index, rows, per_segment, excluded, columns } = reply else { return None };
        let blob = data.dyn_ref::<web_sys::Blob>().cloned();
        if rows > 0 && blob.is_none() && !self.counts_only {
            let message = format!("piece {index} came back damaged");
            return Some((index, Err(PipelineError { file: self.name.to_owned(), kind: PipelineErrorKind::Pieces(message) })));
        }
        Some((index, Ok((ExportedPiece { bytes: Vec::new(), rows, per_segment, excluded, columns }, blob))))
    }

    fn here(&mut self, table: Option<Table>) -> Result<Self::Part, PipelineError> {
        match table {
            Some(table) => self.write_here(table, false),
            None => Ok((ExportedPiece { bytes: Vec::new(), rows: 0, per_segment: Vec::new(), excluded: 0, columns: 0 }, None)),
        }
    }

    fn in_turn(&mut self, (piece, blob): Self::Part) -> Result<(), PipelineError> {
        self.counts.add(&piece);
        if let Some(blob) = blob {
            (self.sink)(blob);
        }
        Ok(())
    }
}

/// A piece's rows as a helper sent them: its columns' text and cell ends still in the
/// message's JavaScript arrays (out of wasm memory until the piece's turn to be put in
/// the table, [`JsPiece::into_rows`]).
pub struct JsPiece {
    columns: Vec<(js_sys::Uint8Array, js_sys::Uint32Array)>,
    row_lines: Option<js_sys::Float64Array>,
    ragged: Vec<crate::core::ingest::RaggedRow>,
    repeated_headers: Vec<u64>,
    bad_cells: Vec<(u64, usize)>,
}

impl JsPiece {
    /// Rows in the piece.
    pub fn n_rows(&self) -> usize {
        self.row_lines.as_ref().map_or(0, |l| l.length() as usize)
    }

    /// Bytes of text in each of its columns.
    pub fn column_bytes(&self) -> Vec<usize> {
        self.columns.iter().map(|(text, _)| text.length() as usize).collect()
    }

    /// The piece's rows in wasm memory.
    pub fn into_rows(self) -> crate::core::ingest::pieces::PieceRows {
        crate::core::ingest::pieces::PieceRows {
            columns: self.columns.into_iter().map(|(text, ends)| (text.to_vec(), ends.to_vec())).collect(),
            row_lines: self.row_lines.map(|l| l.to_vec().into_iter().map(|l| l as u64).collect()).unwrap_or_default(),
            ragged: self.ragged,
            repeated_headers: self.repeated_headers,
            bad_cells: self.bad_cells,
        }
    }
}

impl Pool {
    /// The rows of each helper's shard for [`Pool::fit_by_rows`], in JavaScript arrays
    /// (made under the runner's borrow, which the fit's awaits must not hold): centred,
    /// from the prepared copy when there is one (a fit that draws its k-means++ here needs
    /// it); else copied from `matrix` as it is, and centred by the helper that gets them
    /// (the same bits; the engine then neither holds a centred copy of every row nor
    /// spends its time making one while the helpers wait).
    pub fn shards(&self, prepared: &Prepared, matrix: &[f64]) -> Vec<js_sys::Float64Array> {
        let d = prepared.n_features().max(1);
        let ranges = crate::core::kmeans::shard::shard_ranges(prepared.n_rows(), self.size());
        ranges
            .into_iter()
            .map(|rows| {
                if !prepared.centred().is_empty() {
                    return js_sys::Float64Array::from(prepared.centred_rows(rows));
                }
                js_sys::Float64Array::from(matrix.get(rows.start * d..rows.end * d).unwrap_or(&[]))
            })
            .collect()
    }

    /// A run's k-means++ draw over the rows the helpers hold as shards: the draw here,
    /// each block's potential measured by the helper holding it, one message a centre.
    async fn draw_by_rows(
        &self,
        prepared: &Prepared,
        mut draw: PlusPlus<rand_chacha::ChaCha8Rng>,
        first: Vec<f64>,
        helpers: usize,
    ) -> Result<Vec<f64>, PoolError> {
        let sums = self.seed_sums(&HelperTask::SeedStart { first }, helpers).await?;
        let mut next = draw.started(prepared.centred(), sums, None);
        while let Some(Trial { chosen, candidates }) = next {
            let sums = self.seed_sums(&HelperTask::SeedTrial { chosen, candidates }, helpers).await?;
            next = draw.tried(prepared.centred(), &sums, None);
        }
        Ok(draw.centers())
    }

    /// Sends `task` to every helper holding a shard; their blocks' sums, in block order.
    async fn seed_sums(&self, task: &HelperTask, helpers: usize) -> Result<Vec<f64>, PoolError> {
        let sums: Vec<Vec<f64>> = self
            .ask_every(task, helpers)
            .await?
            .into_iter()
            .filter_map(|r| if let HelperReply::Seed { sums } = r { Some(sums) } else { None })
            .collect();
        check_all(sums.len(), helpers)?;
        Ok(sums.concat())
    }

    /// Sends `task` to helpers `0..helpers` and waits for every answer: in helper order.
    async fn ask_every(&self, task: &HelperTask, helpers: usize) -> Result<Vec<HelperReply>, PoolError> {
        // Nothing is in flight between two of these (each waits for every answer).
        if self.should_stop() {
            return Err(PoolError::Cancelled);
        }
        let message = Self::message(task, None)?;
        for helper in 0..helpers {
            self.post(helper, &message)?;
        }
        let (mut slots, mut failure) = (vec![None; helpers], None);
        for _ in 0..helpers {
            let (helper, reply) = self.next_reply().await?;
            place(&mut slots, helper, reply, &mut failure, "shard");
        }
        all_placed(slots, failure, "shard")
    }
}

/// A helper's answer for task `index` into its slot (an index out of range is a failure).
fn place<T>(slots: &mut [Option<T>], index: usize, value: T, failure: &mut Option<String>, what: &str) {
    match slots.get_mut(index) {
        Some(slot) => *slot = Some(value),
        None => {
            failure.get_or_insert_with(|| format!("a helper answered for a {what} {index} that does not exist"));
        }
    }
}

/// Every slot's answer, in order, unless a helper failed or a slot got none.
fn all_placed<T>(slots: Vec<Option<T>>, failure: Option<String>, what: &str) -> Result<Vec<T>, PoolError> {
    if let Some(message) = failure {
        return Err(PoolError::Failed(message));
    }
    slots
        .into_iter()
        .enumerate()
        .map(|(i, s)| s.ok_or_else(|| PoolError::Failed(format!("no helper answered for {what} {}", i + 1))))
        .collect()
}

/// Every helper answered a step as asked.
fn check_all(answered: usize, helpers: usize) -> Result<(), PoolError> {
    if answered == helpers {
        Ok(())
    } else {
        Err(PoolError::Failed(format!("{} of {helpers} helpers answered a step of the fit with something else", helpers - answered)))
    }
}

struct NextReply {
    inbox: Rc<RefCell<Inbox>>,
}

impl Future for NextReply {
    type Output = Result<(usize, JsValue), PoolError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut inbox = self.inbox.borrow_mut();
        if inbox.cancelled {
            return Poll::Ready(Err(PoolError::Cancelled));
        }
        match inbox.replies.pop_front() {
            Some(reply) => Poll::Ready(Ok(reply)),
            None => {
                inbox.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// A helper's state between tasks.
#[derive(Default)]
struct Helper {
    /// The sweep and its gap reference sets (drawn once, not for every k).
    sweep: Option<(SweepJob, Option<GapReference>)>,
    /// The kept sweep's silhouettes, scored a block at a time.
    silhouettes: Option<crate::core::metrics::SilhouettePlan>,
    /// A stability check's resamples, fitted one at a time.
    resampling: Option<crate::core::stability::Resampling>,
    fit: Option<(Prepared, Workspace, Option<RunOutcome>)>,
    /// A shard of a fit shared out by rows: its rows and state.
    shard: Option<(Vec<f64>, Shard, PlusPlusShard)>,
    /// The line of every row of a table whose columns are profiled here.
    lines: Vec<u64>,
    /// How the pieces of a file read here are read.
    pieces: Option<(crate::core::ingest::pieces::PieceFormat, crate::core::ingest::IngestOptions)>,
    /// How the pieces of a file too large to hold are read.
    stream: Option<(crate::core::ingest::ChunkFormat, crate::core::ingest::IngestOptions)>,
    /// How its pieces are written with their segment.
    export: Option<StreamExport>,
    /// A file's bytes hashed as they come.
    hash: Option<sha2::Sha256>,
}

/// What a helper writes a file's pieces with ([`HelperTask::StreamExport`]).
struct StreamExport {
    format: crate::core::ingest::ChunkFormat,
    options: crate::core::ingest::IngestOptions,
    model: Box<crate::core::model::SavedModel>,
    names: Vec<String>,
    columns: usize,
    counts_only: bool,
}

/// `bytes` as a `Blob` the browser holds (out of wasm memory).
pub fn blob_of(bytes: &[u8]) -> Result<web_sys::Blob, String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(|e| format!("the browser could not hold the download ({e:?})"))
}

/// Rows as arrays beside a message: their lines (`Float64Array`), then each column's text
/// (`Uint8Array`) and cell ends (`Uint32Array`).
fn rows_as_arrays(row_lines: &[u64], columns: &[(Vec<u8>, Vec<u32>)]) -> js_sys::Array {
    let data = js_sys::Array::new();
    let lines: Vec<f64> = row_lines.iter().map(|&l| l as f64).collect();
    data.push(&js_sys::Float64Array::from(lines.as_slice()));
    for (text, ends) in columns {
        data.push(&js_sys::Uint8Array::from(text.as_slice()));
        data.push(&js_sys::Uint32Array::from(ends.as_slice()));
    }
    data
}

/// [`rows_as_arrays`] read back: the lines, and each column's arrays (`None`: damaged).
#[allow(clippy::type_complexity)]
fn arrays_as_rows(data: &JsValue) -> Option<(Option<js_sys::Float64Array>, Vec<(js_sys::Uint8Array, js_sys::Uint32Array)>)> {
    let arrays: Vec<JsValue> = data.dyn_ref::<js_sys::Array>().map(|a| a.iter().collect()).unwrap_or_default();
    let mut arrays = arrays.into_iter();
    let row_lines = arrays.next().and_then(|l| l.dyn_into::<js_sys::Float64Array>().ok());
    let mut columns = Vec::new();
    while let Some(text) = arrays.next() {
        let ends = arrays.next()?;
        columns.push((text.dyn_into::<js_sys::Uint8Array>().ok()?, ends.dyn_into::<js_sys::Uint32Array>().ok()?));
    }
    Some((row_lines, columns))
}

/// A typed array sent beside a message's serde part.
fn beside<T: JsCast>(message: &JsValue, key: &str) -> Option<T> {
    js_sys::Reflect::get(message, &key.into()).ok().and_then(|d| d.dyn_into::<T>().ok())
}

impl Helper {
    /// Answers `task` (the serde part of `message`), with a typed array beside the answer
    /// when it has one.
    fn answer(&mut self, task: HelperTask, message: &JsValue) -> Option<(HelperReply, Option<JsValue>)> {
        match task {
            HelperTask::Columns => {
                (self.sweep, self.silhouettes, self.fit, self.shard) = (None, None, None, None);
                let lines = beside::<js_sys::Float64Array>(message, "data").map(|d| d.to_vec()).unwrap_or_default();
                self.lines = lines.into_iter().map(|l| l as u64).collect();
                None
            }
            HelperTask::Pieces { format, options } => {
                (self.sweep, self.silhouettes, self.fit, self.shard) = (None, None, None, None);
                self.pieces = Some((format, options));
                None
            }
            HelperTask::Piece { index, first_line, first } => {
                let text = beside::<js_sys::Uint8Array>(message, "text").map(|t| t.to_vec()).unwrap_or_default();
                let read = match (&self.pieces, String::from_utf8(text)) {
                    (Some((format, options)), Ok(text)) => {
                        crate::core::ingest::pieces::read_piece(&text, format, options, first_line, first)
                            .map_err(|e| format!("piece {index} of the file could not be read here ({e})"))
                    }
                    (None, _) => Err("a piece came before its file".to_owned()),
                    (_, Err(_)) => Err(format!("piece {index} reached a helper damaged")),
                };
                Some(match read {
                    Ok(rows) => {
                        let data = rows_as_arrays(&rows.row_lines, &rows.columns);
                        let reply = HelperReply::Piece {
                            index,
                            ragged: rows.ragged,
                            repeated_headers: rows.repeated_headers,
                            bad_cells: rows.bad_cells,
                        };
                        (reply, Some(data.into()))
                    }
                    Err(message) => (HelperReply::Failed { message }, None),
                })
            }
            HelperTask::StreamPieces { format, options } => {
                (self.sweep, self.silhouettes, self.fit, self.shard) = (None, None, None, None);
                self.stream = Some((format, options));
                None
            }
            HelperTask::StreamPiece { index, first_line, at, p } => {
                let bytes = beside::<js_sys::Uint8Array>(message, "text").map(|t| t.to_vec()).unwrap_or_default();
                let read = match &self.stream {
                    Some((format, options)) => crate::core::stream::read_cut_piece(&bytes, format, options, first_line, at)
                        .and_then(|table| table.map(|table| crate::core::stream::PieceSample::of(table, p)).transpose())
                        .map_err(|e| format!("piece {index} of the file could not be read here ({e})")),
                    None => Err("a piece came before its file".to_owned()),
                };
                drop(bytes);
                Some(match read {
                    Ok(Some(piece)) => {
                        let rows = piece.kept.into_rows();
                        let data = rows_as_arrays(&rows.row_lines, &rows.columns);
                        let reply = HelperReply::Sampled {
                            index,
                            rows: piece.rows,
                            columns: piece.columns,
                            ragged: rows.ragged,
                            warnings: rows.warnings,
                        };
                        (reply, Some(data.into()))
                    }
                    // Blank lines, or a repeated header.
                    Ok(None) => {
                        let reply = HelperReply::Sampled { index, rows: 0, columns: 0, ragged: Vec::new(), warnings: Vec::new() };
                        (reply, None)
                    }
                    Err(message) => (HelperReply::Failed { message }, None),
                })
            }
            HelperTask::StreamExport { format, options, model, names, columns, counts_only } => {
                (self.sweep, self.silhouettes, self.fit, self.shard) = (None, None, None, None);
                self.export = Some(StreamExport { format, options, model, names, columns, counts_only });
                None
            }
            HelperTask::ExportPiece { index, first_line, at } => {
                let bytes = beside::<js_sys::Uint8Array>(message, "text").map(|t| t.to_vec()).unwrap_or_default();
                let written = match &self.export {
                    Some(export) => crate::core::stream::read_cut_piece(&bytes, &export.format, &export.options, first_line, at)
                        .map_err(crate::core::stream::PieceError::Ingest)
                        .and_then(|table| {
                            table
                                .map(|table| {
                                    crate::core::stream::export_piece(
                                        table,
                                        &export.model,
                                        &export.names,
                                        export.columns,
                                        false,
                                        export.counts_only,
                                    )
                                })
                                .transpose()
                        })
                        .map_err(|e| format!("piece {index} of the file could not be written here ({e})")),
                    None => Err("a piece came before its export".to_owned()),
                };
                drop(bytes);
                // Counts only: no `Blob`.
                let counts_only = self.export.as_ref().is_some_and(|export| export.counts_only);
                let written = written.and_then(|piece| {
                    piece
                        .map(|piece| if counts_only { Ok((piece, None)) } else { blob_of(&piece.bytes).map(|blob| (piece, Some(blob))) })
                        .transpose()
                });
                Some(match written {
                    Ok(Some((piece, blob))) => {
                        let reply = HelperReply::Exported {
                            index,
                            rows: piece.rows,
                            per_segment: piece.per_segment,
                            excluded: piece.excluded,
                            columns: piece.columns,
                        };
                        (reply, blob.map(Into::into))
                    }
                    // Blank lines, or a repeated header.
                    Ok(None) => (HelperReply::Exported { index, rows: 0, per_segment: Vec::new(), excluded: 0, columns: 0 }, None),
                    Err(message) => (HelperReply::Failed { message }, None),
                })
            }
            HelperTask::HashStart => {
                self.hash = Some(sha2::Digest::new());
                None
            }
            HelperTask::Hash => {
                let bytes = beside::<js_sys::Uint8Array>(message, "text").map(|t| t.to_vec()).unwrap_or_default();
                if let Some(hash) = &mut self.hash {
                    sha2::Digest::update(hash, &bytes);
                }
                None
            }
            HelperTask::HashEnd => Some(match self.hash.take() {
                Some(hash) => {
                    let sha256 = sha2::Digest::finalize(hash).iter().map(|b| format!("{b:02x}")).collect();
                    (HelperReply::Hashed { sha256 }, None)
                }
                None => (HelperReply::Failed { message: "a hash ended before it started".to_owned() }, None),
            }),
            HelperTask::Column { job } => {
                let text = beside::<js_sys::Uint8Array>(message, "text").map(|t| t.to_vec()).unwrap_or_default();
                let ends = beside::<js_sys::Uint32Array>(message, "ends").map(|e| e.to_vec()).unwrap_or_default();
                let cells = String::from_utf8(text).ok().and_then(|text| crate::core::ingest::TextColumn::from_parts(text, ends));
                Some(match cells {
                    Some(cells) if cells.len() == self.lines.len() => {
                        let (profile, numbers) = job.profile(cells, &mut self.lines);
                        match numbers {
                            Some(numbers) => (
                                HelperReply::Column { profile, invalid_rows: Some(numbers.invalid_rows) },
                                Some(js_sys::Float64Array::from(numbers.values.as_slice()).into()),
                            ),
                            None => (HelperReply::Column { profile, invalid_rows: None }, None),
                        }
                    }
                    _ => (HelperReply::Failed { message: format!("column {} reached a helper damaged", job.column + 1) }, None),
                })
            }
            task => {
                let data = beside::<js_sys::Float64Array>(message, "data").map(|d| d.to_vec());
                self.handle(task, data).map(|reply| (reply, None))
            }
        }
    }

    fn handle(&mut self, task: HelperTask, data: Option<Vec<f64>>) -> Option<HelperReply> {
        match task {
            HelperTask::Columns
            | HelperTask::Column { .. }
            | HelperTask::Pieces { .. }
            | HelperTask::Piece { .. }
            | HelperTask::StreamPieces { .. }
            | HelperTask::StreamPiece { .. }
            | HelperTask::StreamExport { .. }
            | HelperTask::ExportPiece { .. }
            | HelperTask::HashStart
            | HelperTask::Hash
            | HelperTask::HashEnd => None,
            HelperTask::Sweep { job } => {
                self.silhouettes = None;
                self.fit = None;
                self.shard = None;
                let reference = job.gap_reference();
                self.sweep = Some((job, reference));
                None
            }
            HelperTask::K { k } => Some(match &self.sweep {
                Some((job, reference)) => match job.setup_with(reference.as_ref()) {
                    Ok(setup) => HelperReply::K { outcome: setup.one_k(k, &mut |_| true) },
                    Err(e) => HelperReply::Failed { message: e.to_string() },
                },
                None => HelperReply::Failed { message: "a k came before its sweep".to_owned() },
            }),
            HelperTask::Silhouettes { labelings } => {
                self.silhouettes = self.sweep.as_ref().and_then(|(job, _)| job.silhouette_plan(&labelings).ok());
                None
            }
            HelperTask::SilhouetteBlock { block } => Some(match &self.silhouettes {
                Some(plan) if block < plan.n_blocks() => HelperReply::SilhouetteBlock { block, totals: plan.block(block) },
                _ => HelperReply::Failed { message: format!("silhouette block {block} came before its sweep's labels") },
            }),
            HelperTask::Stability { resampling } => {
                // The fit is over: its rows are let go.
                (self.sweep, self.silhouettes, self.fit, self.shard) = (None, None, None, None);
                self.resampling = Some(resampling);
                None
            }
            HelperTask::Resample { b } => Some(match &self.resampling {
                Some(resampling) => HelperReply::Resampled { b, outcome: resampling.resample(b).map_err(|e| e.to_string()) },
                None => HelperReply::Failed { message: format!("resample {b} came before its stability check") },
            }),
            HelperTask::Fit { d, params } => {
                (self.sweep, self.silhouettes) = (None, None);
                self.fit = None;
                self.shard = None;
                match Prepared::new_owned(data.unwrap_or_default(), d, &params) {
                    Ok(prepared) => {
                        let workspace = prepared.workspace();
                        self.fit = Some((prepared, workspace, None));
                        None
                    }
                    Err(e) => Some(HelperReply::Failed { message: e.to_string() }),
                }
            }
            HelperTask::Run { run } => Some(match &mut self.fit {
                Some((prepared, workspace, best)) => match prepared.run(run, workspace, &mut |_| true) {
                    Ok(outcome) => {
                        keep_better(best, outcome);
                        HelperReply::Run { run }
                    }
                    Err(e) => HelperReply::Failed { message: e.to_string() },
                },
                None => HelperReply::Failed { message: "a run came before its fit".to_owned() },
            }),
            HelperTask::Best => {
                let outcome = self.fit.take().and_then(|(_, _, best)| best);
                Some(HelperReply::Best { outcome })
            }
            HelperTask::Shard { first_row, n_rows, d, k, algorithm, means } => {
                (self.sweep, self.silhouettes, self.fit) = (None, None, None);
                let mut data = data.unwrap_or_default();
                if let Some(means) = means {
                    crate::core::kmeans::centre_in_place(&mut data, &means);
                }
                self.shard = Some((data, Shard::new(first_row, n_rows, d, k, algorithm), PlusPlusShard::new(d)));
                None
            }
            HelperTask::SeedStart { first } => Some(match &mut self.shard {
                Some((data, _, seed)) => HelperReply::Seed { sums: seed.start(data, &first) },
                None => HelperReply::Failed { message: "a draw came before its shard".to_owned() },
            }),
            HelperTask::SeedTrial { chosen, candidates } => Some(match &mut self.shard {
                Some((data, _, seed)) => HelperReply::Seed { sums: seed.trial(data, chosen, &candidates) },
                None => HelperReply::Failed { message: "a draw came before its shard".to_owned() },
            }),
            HelperTask::Next { next, run_start } => Some(match &mut self.shard {
                Some((data, shard, _)) => {
                    if run_start {
                        shard.reset();
                    }
                    match next {
                        Next::Step { centers, lloyd } => HelperReply::Step { partials: shard.step(data, &centers, lloyd) },
                        Next::Farthest { count } => HelperReply::Far { rows: shard.farthest(data, count) },
                        Next::Finish { centers, reassign } => HelperReply::Finished { result: shard.finish(data, &centers, reassign) },
                    }
                }
                None => HelperReply::Failed { message: "a step came before its shard".to_owned() },
            }),
        }
    }
}

/// Makes this worker a helper: it answers the engine's tasks on `port` from now on.
pub fn serve_helper(port: MessagePort) {
    let helper = RefCell::new(Helper::default());
    let reply_port = port.clone();
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let message = event.data();
        let task = js_sys::Reflect::get(&message, &"task".into()).unwrap_or(JsValue::UNDEFINED);
        let reply = match serde_wasm_bindgen::from_value::<HelperTask>(task) {
            Ok(task) => match helper.try_borrow_mut() {
                Ok(mut helper) => helper.answer(task, &message),
                Err(_) => Some((
                    HelperReply::Failed {
                        message: "a background worker stopped in the middle of a task (most likely it ran out of memory)".to_owned(),
                    },
                    None,
                )),
            },
            Err(e) => Some((HelperReply::Failed { message: format!("the engine sent a task a helper does not understand: {e}") }, None)),
        };
        if let Some((reply, data)) = reply {
            // `{ reply, data }`: the serde part, and a typed array beside it (given away).
            let encoded = serde_wasm_bindgen::to_value(&reply).map(|value| {
                let out = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&out, &"reply".into(), &value);
                let transfer = js_sys::Array::new();
                if let Some(data) = &data {
                    let _ = js_sys::Reflect::set(&out, &"data".into(), data);
                    let views: Vec<JsValue> = match data.dyn_ref::<js_sys::Array>() {
                        Some(array) => array.iter().collect(),
                        None => vec![data.clone()],
                    };
                    for view in views {
                        if let Ok(buffer) = js_sys::Reflect::get(&view, &"buffer".into()) {
                            if buffer.is_instance_of::<js_sys::ArrayBuffer>() {
                                transfer.push(&buffer);
                            }
                        }
                    }
                }
                (out, transfer)
            });
            match encoded {
                Ok((value, transfer)) => {
                    if let Err(e) = reply_port.post_message_with_transferable(&value, &transfer) {
                        web_sys::console::error_2(&"helper: could not answer".into(), &e);
                    }
                }
                Err(e) => web_sys::console::error_1(&format!("helper: could not encode an answer: {e}").into()),
            }
        }
    });
    port.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    handler.forget();
}
