//! The command line: its arguments, the three commands, their messages and exit codes.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use segmentation::core::clean::{CleaningOptions, MissingStrategy, NumericFeature, OutlierPolicy};
use segmentation::core::ingest::IngestOptions;
use segmentation::core::kmeans::params::DEFAULT_SEED;
use segmentation::core::model::{read_model, save_model, Provenance, SavedModel, SourceOrigin};
use segmentation::core::pipeline::{self, LoadedFile, SegmentOptions, SweepJob, DEFAULT_K, SWEEP_K_MAX};
use segmentation::core::profile::ColumnKind;
use segmentation::core::sql::{self, Dialect, SqlOptions};
use segmentation::worker::runner::EXPORT_PART_ROWS;

use crate::apply;

/// The fit's memory budget: the page's for an ordinary device, a quarter of the 8 GB
/// that browsers report at most (`navigator.deviceMemory`; `worker::client::fit_budget`).
/// Only a matrix over it (about 7 million rows of 8 features) is fitted on a sample.
const FIT_BUDGET: u64 = 2 << 30;

const USAGE: &str = "\
usage:
  segment fit FILE -o MODEL.json [--export OUT.csv] [--summary SUMMARY.csv]
          [--k K|auto] [--seed N] [--log COL]... [--one-hot COL]...
          [--impute COL=mean|median|mode|exclude|NUMBER]...
          [--outliers none|percentiles|iqr] [--no-stability]
  segment apply MODEL.json FILE [-o OUT.csv] [--threads N] [--piece-bytes N]
  segment sql MODEL.json --dialect duckdb|spark|postgres|bigquery|snowflake
          [--table T] [--keys a,b] [-o OUT.sql]
reading: [--delimiter C] [--no-header] [--header]; everywhere: [--quiet]
Columns are named by their header. Without -o, apply and sql write to stdout.";

/// Why the command stopped.
enum Failure {
    /// The command line is wrong (exit 2); `usage`: print the usage text after it.
    Usage { message: String, usage: bool },
    /// The data or the model could not be used (exit 1).
    Data(String),
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage { message: message.into(), usage: true }
}

type Outcome<T> = Result<T, Failure>;

pub fn main() -> ExitCode {
    let args: Vec<String> = match std::env::args_os().skip(1).map(|a| a.into_string()).collect() {
        Ok(args) => args,
        Err(bad) => return fail(usage(format!("an argument is not valid Unicode: {}", bad.to_string_lossy()))),
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => fail(failure),
    }
}

fn fail(failure: Failure) -> ExitCode {
    match failure {
        Failure::Usage { message, usage } => {
            eprintln!("segment: {message}");
            if usage {
                eprintln!("{USAGE}");
            }
            ExitCode::from(2)
        }
        Failure::Data(message) => {
            eprintln!("segment: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &[String]) -> Outcome<()> {
    let Some((command, rest)) = args.split_first() else { return Err(usage("name a command: fit, apply or sql")) };
    match command.as_str() {
        "fit" => fit(&Args::parse(rest)?),
        "apply" => apply(&Args::parse(rest)?),
        "sql" => sql_query(&Args::parse(rest)?),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(usage(format!("unknown command “{other}”: use fit, apply or sql"))),
    }
}

/// The command line after the command: positional arguments and options, each option
/// checked against the options the command takes when it is used.
#[derive(Default)]
struct Args {
    positional: Vec<String>,
    output: Option<String>,
    export: Option<String>,
    summary: Option<String>,
    k: Option<String>,
    seed: Option<String>,
    log: Vec<String>,
    one_hot: Vec<String>,
    impute: Vec<String>,
    outliers: Option<String>,
    delimiter: Option<String>,
    header: Option<bool>,
    dialect: Option<String>,
    table: Option<String>,
    keys: Option<String>,
    threads: Option<String>,
    piece_bytes: Option<String>,
    quiet: bool,
    no_stability: bool,
    /// Options given, by name, to refuse those a command does not take.
    given: Vec<&'static str>,
}

impl Args {
    fn parse(args: &[String]) -> Outcome<Self> {
        let mut parsed = Args::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            if !arg.starts_with('-') || arg == "-" {
                parsed.positional.push(arg.clone());
                continue;
            }
            // `--name=value` or `--name value`.
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
                _ => (arg.as_str(), None),
            };
            let (key, takes_value): (&'static str, bool) = match name {
                "-o" | "--output" => ("-o", true),
                "--export" => ("--export", true),
                "--summary" => ("--summary", true),
                "--k" | "-k" => ("--k", true),
                "--seed" => ("--seed", true),
                "--log" => ("--log", true),
                "--one-hot" => ("--one-hot", true),
                "--impute" => ("--impute", true),
                "--outliers" => ("--outliers", true),
                "--delimiter" => ("--delimiter", true),
                "--dialect" => ("--dialect", true),
                "--table" => ("--table", true),
                "--keys" => ("--keys", true),
                "--threads" => ("--threads", true),
                "--piece-bytes" => ("--piece-bytes", true),
                "--no-header" => ("--no-header", false),
                "--header" => ("--header", false),
                "--quiet" | "-q" => ("--quiet", false),
                "--no-stability" => ("--no-stability", false),
                _ => return Err(usage(format!("unknown option “{arg}”"))),
            };
            let value = if takes_value {
                match inline {
                    Some(v) => v,
                    None => it.next().cloned().ok_or_else(|| usage(format!("{name} needs a value")))?,
                }
            } else if inline.is_some() {
                return Err(usage(format!("{name} takes no value")));
            } else {
                String::new()
            };
            let once = |slot: &mut Option<String>| {
                if slot.replace(value.clone()).is_some() {
                    Err(usage(format!("{name} is given twice")))
                } else {
                    Ok(())
                }
            };
            match key {
                "-o" => once(&mut parsed.output)?,
                "--export" => once(&mut parsed.export)?,
                "--summary" => once(&mut parsed.summary)?,
                "--k" => once(&mut parsed.k)?,
                "--seed" => once(&mut parsed.seed)?,
                "--outliers" => once(&mut parsed.outliers)?,
                "--delimiter" => once(&mut parsed.delimiter)?,
                "--dialect" => once(&mut parsed.dialect)?,
                "--table" => once(&mut parsed.table)?,
                "--keys" => once(&mut parsed.keys)?,
                "--threads" => once(&mut parsed.threads)?,
                "--piece-bytes" => once(&mut parsed.piece_bytes)?,
                "--log" => parsed.log.push(value),
                "--one-hot" => parsed.one_hot.push(value),
                "--impute" => parsed.impute.push(value),
                "--no-header" => parsed.header = Some(false),
                "--header" => parsed.header = Some(true),
                "--quiet" => parsed.quiet = true,
                _ => parsed.no_stability = true,
            }
            parsed.given.push(key);
        }
        Ok(parsed)
    }

    /// Refuses options the command does not take, and a wrong number of positional
    /// arguments (`names`: what they are).
    fn check(&self, command: &str, allowed: &[&str], names: &[&str]) -> Outcome<()> {
        if let Some(bad) = self.given.iter().find(|g| !allowed.contains(g) && !matches!(**g, "--quiet")) {
            return Err(usage(format!("{command} does not take {bad}")));
        }
        if self.positional.len() != names.len() {
            return Err(usage(format!("{command} takes {}: got {} argument(s)", names.join(" and "), self.positional.len())));
        }
        Ok(())
    }

    fn ingest(&self) -> Outcome<IngestOptions> {
        let delimiter = match self.delimiter.as_deref() {
            None => None,
            Some("tab" | "\\t" | "\t") => Some(b'\t'),
            Some(d) if d.len() == 1 && d.is_ascii() => d.bytes().next(),
            Some(d) => return Err(usage(format!("--delimiter takes one character (or “tab”): got “{d}”"))),
        };
        Ok(IngestOptions { delimiter, header: self.header, ..IngestOptions::default() })
    }
}

/// Progress on stderr: a line when the stage changes and every 10 percent, nothing
/// with `--quiet`.
struct Progress {
    quiet: bool,
    file: String,
    stage: String,
    tenth: i64,
}

impl Progress {
    fn new(quiet: bool, file: &str) -> Self {
        Self { quiet, file: file.to_owned(), stage: String::new(), tenth: -1 }
    }

    fn report(&mut self, stage: &str, fraction: f64) {
        if self.quiet {
            return;
        }
        let tenth = (fraction.clamp(0.0, 1.0) * 10.0).floor() as i64;
        if stage != self.stage || tenth > self.tenth {
            self.stage = stage.to_owned();
            self.tenth = tenth;
            eprintln!("{}: {stage} {:>3}%", self.file, tenth * 10);
        }
    }

    fn say(&self, text: &str) {
        if !self.quiet {
            eprintln!("{}: {text}", self.file);
        }
    }
}

/// The name the page would know the file by: its base name.
fn file_name(path: &str) -> String {
    Path::new(path).file_name().map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned())
}

fn read_bytes(path: &str) -> Outcome<Vec<u8>> {
    std::fs::read(path).map_err(|e| Failure::Data(format!("{}: could not read the file: {e}", file_name(path))))
}

/// Writes `bytes` to `path` ("-": stdout).
fn write_file(path: &str, bytes: &[u8]) -> Outcome<()> {
    let mut out = create(path)?;
    out.write_all(bytes).and_then(|()| out.flush()).map_err(|e| write_failed(path, &e))
}

fn write_failed(path: &str, e: &std::io::Error) -> Failure {
    Failure::Data(format!("could not write {path}: {e}"))
}

/// A buffered writer on `path`, or on stdout for "-".
fn create(path: &str) -> Outcome<BufWriter<Box<dyn Write>>> {
    let sink: Box<dyn Write> =
        if path == "-" { Box::new(std::io::stdout().lock()) } else { Box::new(File::create(path).map_err(|e| write_failed(path, &e))?) };
    Ok(BufWriter::with_capacity(1 << 20, sink))
}

fn fit(args: &Args) -> Outcome<()> {
    let allowed = [
        "-o",
        "--export",
        "--summary",
        "--k",
        "--seed",
        "--log",
        "--one-hot",
        "--impute",
        "--outliers",
        "--delimiter",
        "--no-header",
        "--header",
        "--no-stability",
    ];
    args.check("fit", &allowed, &["FILE"])?;
    let Some(model_path) = args.output.as_deref() else {
        return Err(usage("fit writes the model: give -o MODEL.json"));
    };
    let path = args.positional.first().map_or("", String::as_str);
    let ingest = args.ingest()?;
    let seed = match args.seed.as_deref() {
        None => DEFAULT_SEED,
        Some(s) => s.trim().parse::<u64>().map_err(|_| usage(format!("--seed takes a whole number: got “{s}”")))?,
    };
    let k = match args.k.as_deref().map(str::trim) {
        None | Some("auto") => None,
        Some(k) => match k.parse::<usize>() {
            Ok(k) if k >= 1 => Some(k),
            _ => return Err(usage(format!("--k takes a whole number of segments, at least 1, or auto: got “{k}”"))),
        },
    };
    // The page's three choices, by the names its control gives them.
    let outliers = match args.outliers.as_deref() {
        None => None,
        Some(name) => match OutlierPolicy::named(name) {
            Some(policy) => Some(policy),
            None => return Err(usage(format!("--outliers takes none, percentiles or iqr: got “{name}”"))),
        },
    };
    let impute = args.impute.iter().map(|i| parse_impute(i)).collect::<Outcome<Vec<_>>>()?;

    let name = file_name(path);
    let mut progress = Progress::new(args.quiet, &name);
    let bytes = read_bytes(path)?;
    let mut file =
        pipeline::load(&name, &bytes, &ingest, &mut |f| progress.report("reading", f)).map_err(|e| Failure::Data(e.to_string()))?;
    progress.say(&format!("{} rows × {} columns", file.table.n_rows(), file.table.n_columns()));

    // The page's defaults, then the user's choices as the page's controls make them.
    let mut cleaning = CleaningOptions::suggested(&file.profile);
    for column in &args.one_hot {
        let c = column_index(&file, column, "--one-hot")?;
        one_hot(&mut file, &mut cleaning, c)?;
    }
    for column in &args.log {
        let c = column_index(&file, column, "--log")?;
        if file.profile.columns.get(c).map(|p| p.kind) != Some(ColumnKind::Numeric) {
            return Err(Failure::Data(format!("{name}: --log {column}: only a numeric column can be log-transformed")));
        }
        numeric_feature(&file, &mut cleaning, c, column)?.log1p = true;
    }
    for (column, strategy) in impute {
        let c = column_index(&file, &column, "--impute")?;
        numeric_feature(&file, &mut cleaning, c, &column)?.missing = strategy;
    }
    if let Some(policy) = outliers {
        cleaning.outliers = policy;
    }
    progress.report("cleaning", 0.0);
    let cleaned = pipeline::clean(&file, &cleaning).map_err(|e| Failure::Data(e.to_string()))?;
    progress.say(&format!(
        "{} rows clustered, {} left out; features: {}",
        cleaned.n_rows,
        file.table.n_rows().saturating_sub(cleaned.n_rows),
        cleaned.plan.features.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
    ));

    let k = match k {
        Some(k) => k,
        None => recommended_k(&file, &cleaned, seed, &mut progress),
    };
    let options = SegmentOptions { fit_budget: Some(FIT_BUDGET), ..SegmentOptions::new(k, seed) };
    progress.report(&format!("finding {k} segments"), 0.0);
    let mut segmentation = pipeline::segment(&file, &cleaned, &options).map_err(|e| Failure::Data(e.to_string()))?;
    if let Some(rows) = segmentation.starts_rows {
        progress.say(&format!("the fit's starts were tried on a seeded sample of {rows} rows; the best was finished on every row"));
    }
    if !args.no_stability {
        // As the page: a stability that cannot be measured is a warning, not a failure.
        if let Err(e) = pipeline::segment_stability(&file, &cleaned, &mut segmentation, seed, &mut |f| {
            progress.report("checking each segment's stability", f);
            true
        }) {
            segmentation.warnings.push(format!("the stability of the segments could not be measured: {e}"));
        }
    }
    // The scatter's note is the page's alone.
    for warning in segmentation.warnings.iter().filter(|w| !w.starts_with("the scatter shows")) {
        progress.say(&format!("note: {warning}"));
    }
    let names = pipeline::segment_names(&segmentation, &[]);
    for (i, (segment, name)) in segmentation.segments.iter().zip(&names).enumerate() {
        progress.say(&format!("segment {}: {name} ({} rows)", i + 1, segment.size));
    }

    let provenance = Provenance::of(&name, &bytes, SourceOrigin::File);
    drop(bytes);
    let model = save_model(&file, &provenance, &cleaning, &cleaned, &segmentation, &names, seed);
    // As the page's model download (`worker::runner`'s export_model).
    let json = serde_json::to_vec_pretty(&model).map_err(|e| Failure::Data(format!("{name}: could not write the model: {e}")))?;
    write_file(model_path, &json)?;
    if let Some(export) = args.export.as_deref() {
        let mut out = create(export)?;
        let mut io_error = None;
        pipeline::export_csv_parts(&file, &cleaned, &segmentation, &names, EXPORT_PART_ROWS, &mut |part| {
            out.write_all(&part).map_err(|e| {
                let message = format!("could not write {export}: {e}");
                io_error = Some(message.clone());
                message
            })
        })
        .map_err(|e| Failure::Data(io_error.take().unwrap_or_else(|| e.to_string())))?;
        out.flush().map_err(|e| write_failed(export, &e))?;
    }
    if let Some(summary) = args.summary.as_deref() {
        let bytes = pipeline::export_summary(&file, &segmentation, &names).map_err(|e| Failure::Data(e.to_string()))?;
        write_file(summary, &bytes)?;
    }
    Ok(())
}

/// The sweep's recommended k, as the page puts it in its k box (its default k when the
/// sweep recommends none or cannot run).
fn recommended_k(file: &LoadedFile, cleaned: &segmentation::core::clean::CleanedData, seed: u64, progress: &mut Progress) -> usize {
    let job = SweepJob::for_file(cleaned, SWEEP_K_MAX, seed);
    let stage = format!("trying k = 2 to {}", job.k_max);
    let swept = job.run(&file.name, &mut |_, f| {
        progress.report(&stage, f);
        true
    });
    match swept {
        Ok(mut sweep) => {
            pipeline::explain_sweep(cleaned, &mut sweep);
            match sweep.recommendation {
                Some(r) => {
                    progress.say(&format!("k = {}: {}", r.k, r.reason));
                    r.k
                }
                None => {
                    progress.say(&format!("the sweep recommends no k: k = {DEFAULT_K}, the page's default"));
                    DEFAULT_K
                }
            }
        }
        Err(e) => {
            progress.say(&format!("the sweep could not run ({e}): k = {DEFAULT_K}, the page's default"));
            DEFAULT_K
        }
    }
}

fn parse_impute(text: &str) -> Outcome<(String, MissingStrategy)> {
    let Some((column, strategy)) = text.rsplit_once('=') else {
        return Err(usage(format!("--impute takes COLUMN=mean|median|mode|exclude|NUMBER: got “{text}”")));
    };
    let strategy = match strategy.trim() {
        "mean" => MissingStrategy::Mean,
        "median" => MissingStrategy::Median,
        "mode" => MissingStrategy::Mode,
        "exclude" => MissingStrategy::Exclude,
        other => match other.parse::<f64>() {
            Ok(v) if v.is_finite() => MissingStrategy::Constant(v),
            _ => return Err(usage(format!("--impute {column}: mean, median, mode, exclude or a number: got “{other}”"))),
        },
    };
    Ok((column.to_owned(), strategy))
}

/// The column headed `name` (exactly, else ignoring case when only one matches).
fn column_index(file: &LoadedFile, name: &str, option: &str) -> Outcome<usize> {
    let headers = &file.table.headers;
    if let Some(c) = headers.iter().position(|h| h == name) {
        return Ok(c);
    }
    let folded: Vec<usize> =
        headers.iter().enumerate().filter(|(_, h)| h.trim().eq_ignore_ascii_case(name.trim())).map(|(c, _)| c).collect();
    if let [c] = folded.as_slice() {
        return Ok(*c);
    }
    let list = headers.iter().map(|h| format!("“{h}”")).collect::<Vec<_>>().join(", ");
    Err(Failure::Usage { message: format!("{}: {option} {name}: no such column; the columns are {list}", file.name), usage: false })
}

/// The feature of column `c`, added (as ticking its box on the page does) when the
/// defaults left it out.
fn numeric_feature<'a>(file: &LoadedFile, cleaning: &'a mut CleaningOptions, c: usize, name: &str) -> Outcome<&'a mut NumericFeature> {
    let kind = file.profile.columns.get(c).map(|p| p.kind);
    if !matches!(kind, Some(ColumnKind::Numeric | ColumnKind::Boolean)) {
        let kind = kind.map_or("unknown", ColumnKind::as_str);
        return Err(Failure::Data(format!("{}: {name} is a {kind} column, not a number", file.name)));
    }
    if !cleaning.numeric.iter().any(|f| f.column == c) {
        cleaning.set_feature(c, Some(false));
    }
    cleaning.numeric.iter_mut().find(|f| f.column == c).ok_or_else(|| Failure::Data(format!("{}: {name}: not a feature", file.name)))
}

/// Column `c` one-hot encoded, as the page does: a column not read as categories is
/// made categorical first (its kind changed), then ticked.
fn one_hot(file: &mut LoadedFile, cleaning: &mut CleaningOptions, c: usize) -> Outcome<()> {
    let kind = file.profile.columns.get(c).map(|p| p.kind);
    if !matches!(kind, Some(ColumnKind::Categorical | ColumnKind::Boolean)) {
        file.set_kind(c, Some(ColumnKind::Categorical)).map_err(|e| Failure::Data(e.to_string()))?;
    }
    cleaning.set_feature(c, Some(true));
    Ok(())
}

fn read_saved_model(path: &str) -> Outcome<SavedModel> {
    let json = read_bytes(path)?;
    read_model(&json).map_err(|e| Failure::Data(format!("{}: {e}", file_name(path))))
}

fn apply(args: &Args) -> Outcome<()> {
    args.check("apply", &["-o", "--delimiter", "--no-header", "--header", "--threads", "--piece-bytes"], &["MODEL.json", "FILE"])?;
    let (model_path, path) = match args.positional.as_slice() {
        [m, f] => (m.as_str(), f.as_str()),
        _ => return Err(usage("apply takes MODEL.json and FILE")),
    };
    let ingest = args.ingest()?;
    let threads = match args.threads.as_deref() {
        None => std::thread::available_parallelism().map_or(1, |n| n.get()).min(apply::MAX_THREADS),
        Some(t) => match t.trim().parse::<usize>() {
            Ok(t) if t >= 1 => t.min(apply::MAX_THREADS),
            _ => return Err(usage(format!("--threads takes a whole number, at least 1: got “{t}”"))),
        },
    };
    let piece_bytes = match args.piece_bytes.as_deref() {
        None => apply::PIECE_BYTES,
        Some(b) => b
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|b| *b >= 1)
            .ok_or_else(|| usage(format!("--piece-bytes takes a number of bytes: got “{b}”")))?,
    };
    let model = read_saved_model(model_path)?;
    let name = file_name(path);
    let file = File::open(path).map_err(|e| Failure::Data(format!("{name}: could not read the file: {e}")))?;
    let output = args.output.as_deref().unwrap_or("-");
    let mut out = create(output)?;
    let mut progress = Progress::new(args.quiet, &name);
    let started = std::time::Instant::now();
    let job = apply::Job { name: &name, options: &ingest, model: &model, threads, piece_bytes };
    let counts = apply::run(&job, file, &mut out, output, &mut |f| progress.report("applying the model", f)).map_err(Failure::Data)?;
    out.flush().map_err(|e| write_failed(output, &e))?;
    let seconds = started.elapsed().as_secs_f64();
    let sizes: Vec<String> = model.segment_names.iter().zip(&counts.per_segment).map(|(n, c)| format!("{n}: {c}")).collect();
    progress.say(&format!(
        "{} rows, {} not placed; {}; {:.0} MB in {seconds:.1} s",
        counts.rows,
        counts.excluded,
        sizes.join(", "),
        counts.bytes as f64 / 1e6
    ));
    Ok(())
}

fn sql_query(args: &Args) -> Outcome<()> {
    args.check("sql", &["-o", "--dialect", "--table", "--keys"], &["MODEL.json"])?;
    let model_path = args.positional.first().map_or("", String::as_str);
    let names = Dialect::ALL.map(Dialect::as_str).join(", ");
    let dialect = match args.dialect.as_deref() {
        None => return Err(usage(format!("sql needs --dialect: one of {names}"))),
        Some(d) => Dialect::parse(d).ok_or_else(|| usage(format!("unknown dialect “{d}”: use one of {names}")))?,
    };
    let keys = args.keys.as_deref().map(|k| k.split(',').map(|k| k.trim().to_owned()).filter(|k| !k.is_empty()).collect());
    let model = read_saved_model(model_path)?;
    let options = SqlOptions { dialect, table: args.table.clone().unwrap_or_default(), keys };
    let query = sql::render(&model, &options).map_err(|e| Failure::Data(format!("{}: {e}", file_name(model_path))))?;
    let output = args.output.as_deref().unwrap_or("-");
    let mut text = query.into_bytes();
    if text.last() != Some(&b'\n') {
        text.push(b'\n');
    }
    write_file(output, &text)
}
