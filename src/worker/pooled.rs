//! The engine's steps that the pool's helpers share (wasm only): a file's reading and
//! profile, the k sweep and the fit, the rest of each step in the engine. Each works on
//! the runner it is given: the engine's own, or the warm-up's ([`super::warm`]), so the
//! warm-up runs the very code a user's file runs.

use std::cell::RefCell;

use super::pool::{JsPiece, Pool, PoolError};
use super::protocol::{FinishingRun, FitShared, ResponseBody};
use super::runner::{now_ms, ReadFile, Runner};
use crate::core::ingest::IngestOptions;
use crate::core::kmeans::shard::Split;
use crate::core::pipeline::SegmentOptions;

/// A progress sink: stage and fraction.
pub type Progress<'a> = &'a mut dyn FnMut(&str, f64);

/// A pooled step's result: the pool stopped (cancelled, or a helper failed), or the step's
/// own answer or message.
pub type Pooled<T> = Result<Result<T, String>, PoolError>;

/// The SHA-256 of `bytes` by the browser (`crypto.subtle`, which copies them at once), or
/// `None` where the page is not a secure context and has no `crypto.subtle`.
fn browser_sha256(bytes: &[u8]) -> Option<js_sys::Promise> {
    use wasm_bindgen::JsCast;
    let scope: web_sys::WorkerGlobalScope = js_sys::global().dyn_into().ok()?;
    let crypto = scope.crypto().ok()?;
    let subtle = js_sys::Reflect::get(&crypto, &"subtle".into()).ok().filter(|s| s.is_object())?;
    subtle.unchecked_into::<web_sys::SubtleCrypto>().digest_with_str_and_u8_array("SHA-256", bytes).ok()
}

/// Reads the file `bytes` into a table: in pieces side by side on the helpers when it has
/// at least `min_split_bytes` and can be cut (else, or if a helper fails, here whole).
pub async fn read_bytes(
    pool: &Pool,
    name: String,
    bytes: Vec<u8>,
    options: &IngestOptions,
    min_split_bytes: usize,
    progress: Progress<'_>,
) -> Pooled<ReadFile> {
    let started = now_ms();
    let size_bytes = bytes.len();
    // The hash by the browser's own SHA-256: it copies the bytes when asked (about 70 ms for
    // 55 MB), then hashes them beside the reading. Asked once the helpers have their first
    // pieces, so that copy runs beside their reading; else here. The bytes are let go
    // before the pieces' rows are put together.
    let mut digest: Option<Option<js_sys::Promise>> = None;
    let mut read_pieces = None;
    if let Some(split) = crate::core::ingest::pieces::split_from(&bytes, options, 2 * pool.size(), min_split_bytes) {
        progress("Reading", 0.0);
        let rows = pool
            .read_pieces(&split, options, &mut |done, of| progress("Reading", done as f64 / of.max(1) as f64), &mut || {
                digest = Some(browser_sha256(&bytes))
            })
            .await;
        match rows {
            Ok(pieces) => read_pieces = Some((split.assembler(options), pieces)),
            Err(PoolError::Cancelled) => return Err(PoolError::Cancelled),
            Err(PoolError::Failed(_)) => {}
        }
    }
    let digest = digest.unwrap_or_else(|| browser_sha256(&bytes));
    let here = digest.is_none().then(|| crate::core::model::sha256_hex(&bytes));
    let table = match read_pieces {
        Some((assembler, pieces)) => {
            // The table is put together a piece at a time from the helpers' arrays, each
            // column in one allocation of its size, without the file's bytes beside it.
            drop(bytes);
            let rows = pieces.iter().map(JsPiece::n_rows).sum();
            let mut column_bytes: Vec<usize> = Vec::new();
            for piece in &pieces {
                for (c, n) in piece.column_bytes().into_iter().enumerate() {
                    match column_bytes.get_mut(c) {
                        Some(total) => *total += n,
                        None => column_bytes.push(n),
                    }
                }
            }
            let pieces = pieces.into_iter().map(JsPiece::into_rows);
            crate::core::pipeline::assemble_each(&name, assembler, rows, &column_bytes, pieces, options)
        }
        None => crate::core::pipeline::read(&name, &bytes, options, &mut |f| progress("Reading", f)),
    };
    let read_ms = now_ms() - started;
    let sha256 = match digest {
        Some(digest) => wasm_bindgen_futures::JsFuture::from(digest)
            .await
            .ok()
            .map(|hash| js_sys::Uint8Array::new(&hash).to_vec().iter().map(|b| format!("{b:02x}")).collect::<String>()),
        None => here,
    };
    let Some(sha256) = sha256 else {
        return Ok(Err("the browser could not compute the file's SHA-256 for the model's record (it may be short of memory): close other tabs and choose the file again".to_owned()));
    };
    Ok(table.map_err(|e| e.to_string()).map(|table| ReadFile::from_bytes(name, table, size_bytes, read_ms, sha256)))
}

/// Reads a file too large to hold in pieces: a seeded sample of about `sample_rows` rows
/// kept, every row counted ([`Pool::sample_pieces`], the pieces read on the helpers; if a
/// helper fails, here: [`crate::core::stream::sample`], the same sample).
pub async fn read_in_pieces(
    pool: &Pool,
    name: String,
    source: &mut dyn crate::core::stream::ByteSource,
    options: &IngestOptions,
    sample_rows: usize,
    budget_bytes: u64,
    progress: Progress<'_>,
) -> Pooled<ReadFile> {
    use crate::core::stream;
    let started = now_ms();
    let stage = super::runner::READING_IN_PIECES;
    let sampled = match pool
        .sample_pieces(&name, source, options, sample_rows, stream::piece_bytes_for(budget_bytes), &mut |f| progress(stage, f))
        .await
    {
        Ok(sampled) => sampled,
        Err(PoolError::Cancelled) => return Err(PoolError::Cancelled),
        Err(PoolError::Failed(_)) => {
            stream::sample(&name, source, options, sample_rows, stream::piece_bytes_for(budget_bytes), &mut |f| progress(stage, f))
        }
    };
    Ok(sampled.map_err(|e| e.to_string()).map(|sampled| ReadFile::from_sampled(name, sampled, options, budget_bytes, now_ms() - started)))
}

/// Every row of a file read in pieces with its segment, as `export` says: the file read
/// again, its pieces written on the helpers ([`Pool::export_pieces`]; if a helper fails,
/// here: [`crate::core::stream::export_segmented`], the same bytes), each piece's CSV a
/// `Blob` in `parts`, in order.
pub async fn export_in_pieces(
    pool: &Pool,
    export: &super::runner::StreamedExport,
    source: &mut dyn crate::core::stream::ByteSource,
    parts: &js_sys::Array,
    progress: Progress<'_>,
) -> Pooled<crate::core::stream::ExportCounts> {
    let (pass, stage) = (export.pass(), &export.stage);
    let pooled = pool
        .export_pieces(&pass, source, &mut |f| progress(stage, f), &mut |blob| {
            parts.push(&blob);
        })
        .await;
    match pooled {
        Ok(counts) => Ok(counts.map_err(|e| e.to_string())),
        Err(PoolError::Cancelled) => Err(PoolError::Cancelled),
        Err(PoolError::Failed(_)) => {
            parts.set_length(0);
            let counts = crate::core::stream::export_segmented(&pass, source, &mut |f| progress(stage, f), &mut |bytes| {
                super::pool::blob_of(&bytes).map(|blob| {
                    parts.push(&blob);
                })
            });
            Ok(counts.map_err(|e| e.to_string()))
        }
    }
}

/// A saved model applied to a file too large to hold: every row read and placed on the
/// helpers, piece by piece ([`Pool::export_pieces`], the rows written and let go: only the
/// counts are kept; if a helper fails, here: [`crate::core::stream::export_segmented`],
/// the same counts), and kept by `runner` for the download, which reads the file again.
#[allow(clippy::too_many_arguments)]
pub async fn apply_in_pieces(
    pool: &Pool,
    runner: &RefCell<Runner>,
    model_json: &[u8],
    name: String,
    source: &mut dyn crate::core::stream::ByteSource,
    options: &IngestOptions,
    budget_bytes: u64,
    progress: Progress<'_>,
) -> Pooled<ResponseBody> {
    use super::runner::{applying_pass, APPLYING_IN_PIECES};
    let model = match runner.borrow_mut().model_to_apply_in_pieces(model_json) {
        Ok(model) => model,
        Err(message) => return Ok(Err(message)),
    };
    let pass = applying_pass(&name, options, &model, budget_bytes);
    let counts = match pool.export_pieces(&pass, source, &mut |f| progress(APPLYING_IN_PIECES, f), &mut drop).await {
        Ok(counts) => counts,
        Err(PoolError::Cancelled) => return Err(PoolError::Cancelled),
        Err(PoolError::Failed(_)) => {
            crate::core::stream::export_segmented(&pass, source, &mut |f| progress(APPLYING_IN_PIECES, f), &mut |_| Ok(()))
        }
    };
    let counts = match counts {
        Ok(counts) => counts,
        Err(e) => return Ok(Err(e.to_string())),
    };
    Ok(Ok(runner.borrow_mut().applied_in_pieces(name, model, options, budget_bytes, counts)))
}

/// Profiles a file read (its columns shared out) and gives it to `runner` to keep.
pub async fn profile_and_keep(pool: &Pool, runner: &RefCell<Runner>, read: ReadFile, progress: Progress<'_>) -> Pooled<ResponseBody> {
    let stage = if read.is_sample() { "Profiling the sample" } else { "Profiling" };
    progress(stage, 0.0);
    let profile = pool.profile(&read.table, &mut |done, of| progress(stage, done as f64 / of.max(1) as f64)).await?;
    Ok(Ok(runner.borrow_mut().loaded(read, profile)))
}

/// The k sweep of the cleaned matrix `runner` holds, its ks and silhouettes shared out.
pub async fn sweep(pool: &Pool, runner: &RefCell<Runner>, k_max: usize, seed: u64, progress: Progress<'_>) -> Pooled<ResponseBody> {
    let job = match runner.borrow().sweep_job(k_max, seed) {
        Ok(job) => job,
        Err(message) => return Ok(Err(message)),
    };
    progress("Trying k = 2", 0.0);
    let outcomes = pool.sweep(&job, &mut |k, done, of| progress(&format!("Tried k = {k}"), done as f64 / of.max(1) as f64)).await?;
    // Every k's silhouette together, its blocks of rows shared out as the ks were.
    progress("Scoring the silhouettes", 1.0);
    let labelings = crate::core::k_selection::SweepSetup::silhouette_labelings(&outcomes);
    let plan = match job.silhouette_plan(&labelings) {
        Ok(plan) => plan,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let blocks = if plan.n_blocks() == 0 { Vec::new() } else { pool.silhouette_blocks(labelings, plan.n_blocks()).await? };
    Ok(runner.borrow().finish_sweep(&job, outcomes, &plan.finish(&blocks)))
}

/// Segments the cleaned matrix `runner` holds: the fit's runs or its rows shared out.
pub async fn segment(pool: &Pool, runner: &RefCell<Runner>, options: SegmentOptions, progress: Progress<'_>) -> Pooled<ResponseBody> {
    let plan = match runner.borrow_mut().segment_job(&options, false) {
        Ok(plan) => plan,
        Err(message) => return Ok(Err(message)),
    };
    progress("Clustering", 0.0);
    let params = crate::core::pipeline::segment_params(&options);
    let started = now_ms();
    let (n_rows, d) = (plan.prepared.n_rows(), plan.prepared.n_features());
    // A large fit: its starts on a sample, shared out by runs, then the best finished on
    // every row, each iteration shared by rows (whatever the pool's size: the same bits as
    // one worker).
    // The finishing run's rows, copied out of the engine's memory while the helpers try the
    // starts (the copy does not depend on them).
    let mut early_shards = None;
    let finishing = match &plan.starts {
        None => None,
        Some(starts) => {
            let stage = format!("Trying {} starts on a sample of {} rows", starts.prepared.n_runs(), starts.prepared.n_rows());
            progress(&stage, 0.0);
            let rows = js_sys::Float64Array::from(starts.rows.as_slice());
            let mut copy_rows = || {
                if let Ok((matrix, _)) = runner.borrow().fit_matrix(&plan) {
                    early_shards = Some(pool.shards(&plan.prepared, matrix));
                }
            };
            let best = pool
                .fit(
                    rows,
                    d,
                    &params,
                    starts.prepared.n_runs(),
                    &mut |done, of| progress(&stage, done as f64 / of.max(1) as f64),
                    &mut copy_rows,
                )
                .await?;
            plan.finishing_centers(&best)
        }
    };
    let mut finishing_run = None;
    let split =
        if finishing.is_some() { Split::Rows } else { crate::core::kmeans::shard::split(n_rows, d, plan.prepared.n_runs(), pool.size()) };
    let fitted = match split {
        Split::Runs => {
            let matrix = match runner.borrow().fit_matrix(&plan) {
                Ok((data, d)) => (js_sys::Float64Array::from(data), d),
                Err(message) => return Ok(Err(message)),
            };
            pool.fit(
                matrix.0,
                matrix.1,
                &params,
                plan.prepared.n_runs(),
                &mut |done, of| progress("Clustering", done as f64 / of.max(1) as f64),
                &mut || {},
            )
            .await
        }
        Split::Rows => {
            // A centred copy of every row only where the k-means++ draw is made here; a
            // large fit's finishing run starts from given centres.
            let (drawn, shards) = {
                let runner = runner.borrow();
                let matrix = match runner.fit_matrix(&plan) {
                    Ok((data, _)) => data,
                    Err(message) => return Ok(Err(message)),
                };
                let drawn = finishing.is_none().then(|| plan.prepared.clone().with_data(matrix));
                let shards = match early_shards.take() {
                    Some(shards) if drawn.is_none() => shards,
                    _ => pool.shards(drawn.as_ref().unwrap_or(&plan.prepared), matrix),
                };
                (drawn, shards)
            };
            let stage = if finishing.is_some() {
                "Finishing the best start on every row (each iteration shared by rows)"
            } else {
                "Clustering (each iteration shared by rows)"
            };
            progress(stage, 0.0);
            let finish_started = now_ms();
            let initial = finishing.as_deref().map(|c| plan.prepared.uncentre(c));
            let run =
                pool.fit_by_rows(drawn.as_ref().unwrap_or(&plan.prepared), shards, &params, finishing, &mut |f| progress(stage, f)).await;
            if let (Ok(run), Some(initial)) = (&run, initial) {
                finishing_run = Some(FinishingRun { ms: now_ms() - finish_started, iterations: run.n_iterations, initial });
            }
            run
        }
    };
    let shared = FitShared { helpers: pool.size(), by_rows: split == Split::Rows };
    let fit_ms = now_ms() - started;
    let best = fitted?;
    // The stability check's resamples on the helpers while the segments are described
    // here: the two need only the fit.
    let (fit, fit_rows) = match runner.borrow().fitted(&plan, best) {
        Ok(fitted) => fitted,
        Err(message) => return Ok(Err(message)),
    };
    let resampling = runner.borrow().stability_resampling(&fit.labels, fit.n_clusters, options.seed);
    let stage = "Checking each segment's stability";
    progress(stage, 0.0);
    let started = now_ms();
    let mut fit = Some((fit, fit_rows));
    let mut described = None;
    let mut describe = || {
        if let Some((fit, fit_rows)) = fit.take() {
            described = Some(runner.borrow_mut().describe(&plan, fit, fit_rows));
        }
    };
    let stability = match &resampling {
        Ok(resampling) => {
            let outcomes =
                pool.stability(resampling, &mut |done, of| progress(stage, done as f64 / of.max(1) as f64), &mut describe).await?;
            outcomes
                .into_iter()
                .collect::<Result<Vec<_>, String>>()
                .map(|outcomes| resampling.finish(&outcomes))
                .map_err(|e| format!("{}: {e}", runner.borrow().file_name()))
        }
        Err(message) => Err(message.clone()),
    };
    // Described beside the resamples, or here if the pool had none to hand out.
    describe();
    let mut segmentation = match described {
        Some(Ok(segmentation)) => segmentation,
        Some(Err(message)) => return Ok(Err(message)),
        None => return Ok(Err("the segments could not be described".to_owned())),
    };
    match stability {
        Ok(stability) => segmentation.stability = Some(stability),
        Err(cause) => crate::core::pipeline::stability_unmeasured(&mut segmentation, &cause),
    }
    let stability_ms = now_ms() - started;
    let mut finished = runner.borrow_mut().keep_segmentation(options, segmentation, fit_ms, stability_ms);
    if let Ok(ResponseBody::Segmented(report)) = &mut finished {
        report.shared = Some(shared);
        report.finishing = finishing_run;
    }
    Ok(finished)
}

/// The warm-up ([`super::warm`]) with the pool: every step on a runner of its own, each
/// shared out as a user's file's is. `Ok(true)` when every step ran; `Ok(false)` when
/// `stop` said to stop (asked before each step, and before each task handed to a helper),
/// or the pool was cancelled; the step that failed, named, else.
pub async fn warm(pool: &Pool, stop: impl Fn() -> bool + Clone + 'static) -> Result<bool, String> {
    // The pool's jobs stop within a task, too (its answers waited for).
    pool.stopping_when(Some(Box::new(stop.clone())));
    let warmed = warm_steps(pool, &stop).await;
    pool.stopping_when(None);
    warmed
}

async fn warm_steps(pool: &Pool, stop: &dyn Fn() -> bool) -> Result<bool, String> {
    use super::warm::{warm_file, warm_segment_options, Step, STEPS, WARM_FILE_NAME, WARM_K_MAX, WARM_SEED};
    let runner = RefCell::new(Runner::new());
    let mut quiet = |_: &str, _: f64| {};
    let mut suggested = None;
    for step in STEPS {
        if stop() {
            return Ok(false);
        }
        let answer: Pooled<Option<ResponseBody>> = match step {
            Step::Read => match read_bytes(pool, WARM_FILE_NAME.to_owned(), warm_file(), &IngestOptions::default(), 0, &mut quiet).await {
                Ok(Ok(read)) => profile_and_keep(pool, &runner, read, &mut quiet).await.map(|r| r.map(Some)),
                Ok(Err(message)) => Ok(Err(message)),
                Err(e) => Err(e),
            },
            Step::Sweep => sweep(pool, &runner, WARM_K_MAX, WARM_SEED, &mut quiet).await.map(|r| r.map(Some)),
            Step::Segment => segment(pool, &runner, warm_segment_options(), &mut quiet).await.map(|r| r.map(Some)),
            Step::ByRows => by_rows(pool, &runner).await.map(|r| r.map(|()| None)),
            Step::Clean | Step::Export => match step.request(suggested.as_ref()) {
                Some(body) => {
                    let request = super::protocol::Request { id: 0, body };
                    Ok(Ok(Some(runner.borrow_mut().handle(request, &now_ms, &mut quiet).body)))
                }
                None => Ok(Err("nothing to work on".to_owned())),
            },
        };
        match answer {
            Err(PoolError::Cancelled) => return Ok(false),
            Err(PoolError::Failed(message)) | Ok(Err(message)) | Ok(Ok(Some(ResponseBody::Failed { message }))) => {
                return Err(format!("the warm-up's {} failed: {message}", step.name()))
            }
            Ok(Ok(Some(ResponseBody::Loaded(summary)))) => suggested = Some(summary.suggested),
            Ok(Ok(_)) => {}
        }
    }
    Ok(true)
}

/// A fit shared among the helpers by rows, as a large file's finishing run is: the cleaned
/// rows `runner` holds, repeated to a block of rows for each helper and one more.
async fn by_rows(pool: &Pool, runner: &RefCell<Runner>) -> Pooled<()> {
    let (rows, d) = {
        let runner = runner.borrow();
        let (matrix, d) = match runner.cleaned_matrix() {
            Ok(cleaned) => cleaned,
            Err(message) => return Ok(Err(message)),
        };
        let want = crate::core::kmeans::BLOCK_ROWS * pool.size().max(2) + 1;
        let rows: Vec<f64> = matrix.chunks(d.max(1)).cycle().take(want).flatten().copied().collect();
        (rows, d)
    };
    // As a large fit's finishing run: no centred copy here, the run from given centres
    // (the first rows', centred).
    let params = crate::core::pipeline::segment_params(&super::warm::warm_segment_options()).n_runs(1);
    let prepared = match crate::core::kmeans::Prepared::without_data(&rows, d, &params) {
        Ok(prepared) => prepared,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let initial = prepared.centre(rows.get(..params.n_clusters * d).unwrap_or(&[]));
    let shards = pool.shards(&prepared, &rows);
    pool.fit_by_rows(&prepared, shards, &params, Some(initial), &mut |_| {}).await?;
    Ok(Ok(()))
}
