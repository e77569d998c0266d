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
use crate::core::k_selection::gap::GapReference;
use crate::core::k_selection::KOutcome;
use crate::core::kmeans::shard::{FarRow, Next, Shard, ShardResult, StepPartials};
use crate::core::kmeans::{keep_better, KMeansParams, Prepared, RunOutcome, Workspace};
use crate::core::pipeline::SweepJob;

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
    waker: Option<Waker>,
}

/// The engine's side of the pool: a port to each helper.
#[derive(Default)]
pub struct Pool {
    ports: Vec<MessagePort>,
    inbox: Rc<RefCell<Inbox>>,
    handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
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

    /// Closes the ports (the page replaced the helpers): late answers are dropped.
    pub fn close(&self) {
        for port in &self.ports {
            port.set_onmessage(None);
            port.close();
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

    /// A new job starts: earlier cancels and answers are forgotten.
    fn begin(&self) {
        let mut inbox = self.inbox.borrow_mut();
        inbox.cancelled = false;
        inbox.replies.clear();
    }

    /// A task as a message: `{ task, data }`, the matrix beside the serde part.
    fn message(task: &HelperTask, data: Option<&js_sys::Float64Array>) -> Result<JsValue, PoolError> {
        let encoded = serde_wasm_bindgen::to_value(task).map_err(|e| PoolError::Failed(format!("a task could not be encoded: {e}")))?;
        let message = js_sys::Object::new();
        let set = |key: &str, value: &JsValue| {
            js_sys::Reflect::set(&message, &key.into(), value).map(|_| ()).map_err(|e| PoolError::Failed(format!("{e:?}")))
        };
        set("task", &encoded)?;
        if let Some(data) = data {
            set("data", data)?;
        }
        Ok(message.into())
    }

    fn post(&self, helper: usize, message: &JsValue) -> Result<(), PoolError> {
        let port = self.ports.get(helper).ok_or_else(|| PoolError::Failed(format!("there is no helper {helper}")))?;
        port.post_message(message).map_err(|e| PoolError::Failed(format!("a helper could not be reached: {e:?}")))
    }

    fn post_task(&self, helper: usize, task: &HelperTask) -> Result<(), PoolError> {
        self.post(helper, &Self::message(task, None)?)
    }

    async fn next_reply(&self) -> Result<(usize, HelperReply), PoolError> {
        let (helper, value) = NextReply { inbox: self.inbox.clone() }.await?;
        let reply = serde_wasm_bindgen::from_value::<HelperReply>(value)
            .map_err(|e| PoolError::Failed(format!("a helper sent an answer the engine does not understand: {e}")))?;
        match reply {
            HelperReply::Failed { message } => Err(PoolError::Failed(message)),
            reply => Ok((helper, reply)),
        }
    }

    /// Hands `tasks` out one at a time to whichever helper is free (after `setup` to each
    /// helper that gets a task: no more helpers than tasks hold the data) and gives each
    /// answer to `on_reply`. Returns how many helpers took part.
    async fn share_out(
        &self,
        setup: &HelperTask,
        data: Option<&js_sys::Float64Array>,
        tasks: Vec<HelperTask>,
        on_reply: &mut dyn FnMut(HelperReply),
    ) -> Result<usize, PoolError> {
        self.begin();
        let helpers = self.size().min(tasks.len());
        if helpers == 0 {
            return Err(PoolError::Failed("the pool has no helper".to_owned()));
        }
        // Encoded once; each post copies it (structured clone) to its helper.
        let setup = Self::message(setup, data)?;
        for helper in 0..helpers {
            self.post(helper, &setup)?;
        }
        let total = tasks.len();
        let mut tasks = tasks.into_iter();
        for helper in 0..helpers {
            if let Some(task) = tasks.next() {
                self.post_task(helper, &task)?;
            }
        }
        for _ in 0..total {
            let (helper, reply) = self.next_reply().await?;
            on_reply(reply);
            if let Some(task) = tasks.next() {
                self.post_task(helper, &task)?;
            }
        }
        Ok(helpers)
    }

    /// Scores every k of `job` on the helpers; `progress(k, done, of)` after each.
    pub async fn sweep(&self, job: &SweepJob, progress: &mut dyn FnMut(usize, usize, usize)) -> Result<Vec<KOutcome>, PoolError> {
        // The largest k first: it costs most, and a long task handed out last would leave
        // the other helpers idle at the end.
        let ks: Vec<usize> = (2..=job.k_max).rev().collect();
        let n_k = ks.len();
        let mut outcomes = Vec::with_capacity(n_k);
        let tasks = ks.into_iter().map(|k| HelperTask::K { k }).collect();
        let setup = HelperTask::Sweep { job: job.clone() };
        self.share_out(&setup, None, tasks, &mut |reply| {
            if let HelperReply::K { outcome } = reply {
                outcomes.push(outcome);
                progress(outcomes.last().map_or(0, |o| o.k), outcomes.len(), n_k);
            }
        })
        .await?;
        Ok(outcomes)
    }

    /// Makes the `n_runs` runs of a fit of `matrix` (row-major, `d` features, copied out of
    /// the engine's memory) on the helpers and returns the best; `progress(done, of)` after
    /// each run.
    pub async fn fit(
        &self,
        matrix: js_sys::Float64Array,
        d: usize,
        params: &KMeansParams,
        n_runs: usize,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<RunOutcome, PoolError> {
        let tasks = (0..n_runs).map(|run| HelperTask::Run { run }).collect();
        let mut done = 0;
        let helpers = self
            .share_out(&HelperTask::Fit { d, params: params.clone() }, Some(&matrix), tasks, &mut |_| {
                done += 1;
                progress(done, n_runs);
            })
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
    /// worker. `progress(fraction)` after each iteration.
    pub async fn fit_by_rows(
        &self,
        prepared: &Prepared,
        params: &KMeansParams,
        progress: &mut dyn FnMut(f64),
    ) -> Result<RunOutcome, PoolError> {
        self.begin();
        let ranges = crate::core::kmeans::shard::shard_ranges(prepared.n_rows(), self.size());
        let (d, k) = (prepared.n_features(), params.n_clusters);
        for (helper, rows) in ranges.iter().enumerate() {
            let data = js_sys::Float64Array::from(prepared.centred_rows(rows.clone()));
            let task = HelperTask::Shard { first_row: rows.start, n_rows: rows.len(), d, k, algorithm: params.algorithm };
            self.post(helper, &Self::message(&task, Some(&data))?)?;
        }
        let helpers = ranges.len();
        let failed = |e: crate::core::kmeans::KMeansError| PoolError::Failed(e.to_string());
        let (n_runs, max_iterations) = (prepared.n_runs(), params.max_iterations.max(1));
        let mut best: Option<RunOutcome> = None;
        for run in 0..n_runs {
            let mut iterations = prepared.iterations(prepared.initial_centers(run).map_err(failed)?);
            let mut next = iterations.start();
            let mut run_start = true;
            let ended = loop {
                let task = HelperTask::Next { next: next.clone(), run_start };
                run_start = false;
                let message = Self::message(&task, None)?;
                for helper in 0..helpers {
                    self.post(helper, &message)?;
                }
                let mut replies: Vec<Option<HelperReply>> = vec![None; helpers];
                for _ in 0..helpers {
                    let (helper, reply) = self.next_reply().await?;
                    if let Some(slot) = replies.get_mut(helper) {
                        *slot = Some(reply);
                    }
                }
                let replies = replies.into_iter().flatten();
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
    fit: Option<(Prepared, Workspace, Option<RunOutcome>)>,
    /// A shard of a fit shared out by rows: its rows and state.
    shard: Option<(Vec<f64>, Shard)>,
}

impl Helper {
    fn handle(&mut self, task: HelperTask, data: Option<Vec<f64>>) -> Option<HelperReply> {
        match task {
            HelperTask::Sweep { job } => {
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
            HelperTask::Fit { d, params } => {
                self.sweep = None;
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
            HelperTask::Shard { first_row, n_rows, d, k, algorithm } => {
                (self.sweep, self.fit) = (None, None);
                self.shard = Some((data.unwrap_or_default(), Shard::new(first_row, n_rows, d, k, algorithm)));
                None
            }
            HelperTask::Next { next, run_start } => Some(match &mut self.shard {
                Some((data, shard)) => {
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
        let data =
            js_sys::Reflect::get(&message, &"data".into()).ok().and_then(|d| d.dyn_into::<js_sys::Float64Array>().ok()).map(|d| d.to_vec());
        let task = js_sys::Reflect::get(&message, &"task".into()).unwrap_or(JsValue::UNDEFINED);
        let reply = match serde_wasm_bindgen::from_value::<HelperTask>(task) {
            Ok(task) => match helper.try_borrow_mut() {
                Ok(mut helper) => helper.handle(task, data),
                Err(_) => Some(HelperReply::Failed {
                    message: "a background worker stopped in the middle of a task (most likely it ran out of memory)".to_owned(),
                }),
            },
            Err(e) => Some(HelperReply::Failed { message: format!("the engine sent a task a helper does not understand: {e}") }),
        };
        if let Some(reply) = reply {
            match serde_wasm_bindgen::to_value(&reply) {
                Ok(value) => {
                    if let Err(e) = reply_port.post_message(&value) {
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
