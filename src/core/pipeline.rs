//! The whole flow for one file, as the worker runs it: [`load`] (bytes → table → roles),
//! then [`segment`] (features → scaling → K-Means → export), each step's error named with
//! the file it came from.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::export::{segmented_csv, ExportError};
use super::features::{build_features, FeatureError, StandardScaler};
use super::ingest::{parse_csv, IngestError, IngestOptions, Table};
use super::kmeans::{self, KMeansError, KMeansParams};
use super::profile::{profile_columns, ColumnProfile, ColumnRole};

/// Any step's failure, with the name of the file it concerns.
#[derive(Debug, Error)]
#[error("{file}: {kind}")]
pub struct PipelineError {
    pub file: String,
    pub kind: PipelineErrorKind,
}

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PipelineErrorKind {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Features(#[from] FeatureError),
    #[error(transparent)]
    KMeans(#[from] KMeansError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("column {index} does not exist: the file has {n_columns} columns")]
    NoSuchColumn { index: usize, n_columns: usize },
}

fn named<E: Into<PipelineErrorKind>>(file: &str) -> impl FnOnce(E) -> PipelineError + '_ {
    move |e| PipelineError { file: file.to_owned(), kind: e.into() }
}

/// A file read into memory with its column roles.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    pub name: String,
    pub table: Table,
    pub columns: Vec<ColumnProfile>,
}

impl LoadedFile {
    /// Indices of the columns used as features by default: the numeric ones.
    pub fn default_features(&self) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.role == ColumnRole::Numeric)
            .map(|(i, _)| i)
            .collect()
    }
}

/// Reads and profiles a file.
pub fn load(name: &str, bytes: &[u8]) -> Result<LoadedFile, PipelineError> {
    let table = parse_csv(bytes, &IngestOptions::default()).map_err(named(name))?;
    let columns = profile_columns(&table);
    Ok(LoadedFile { name: name.to_owned(), table, columns })
}

/// What to segment on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentOptions {
    pub n_clusters: usize,
    pub seed: u64,
    /// Feature columns; `None` for every numeric column.
    pub features: Option<Vec<usize>>,
}

/// The segments of a file, in the data's own units, with the export ready to download.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segmentation {
    /// Table columns used as features, and their names.
    pub feature_columns: Vec<usize>,
    pub feature_names: Vec<String>,
    /// Clustered rows' feature values, row-major `n_clustered × n_features`, original units.
    pub values: Vec<f64>,
    /// Segment (0-based) of each clustered row.
    pub labels: Vec<usize>,
    /// Centres, row-major `k × n_features`, original units.
    pub centers: Vec<f64>,
    pub cluster_sizes: Vec<usize>,
    /// Inertia on the standardised features.
    pub inertia: f64,
    pub n_iterations: usize,
    pub n_rows: usize,
    pub n_excluded: usize,
    pub warnings: Vec<String>,
    /// The segmented CSV.
    #[serde(with = "serde_bytes")]
    pub csv: Vec<u8>,
}

/// Standardises the features, fits K-Means and writes the export.
pub fn segment(file: &LoadedFile, options: &SegmentOptions) -> Result<Segmentation, PipelineError> {
    let name = file.name.as_str();
    let feature_columns = options.features.clone().unwrap_or_else(|| file.default_features());
    if let Some(&bad) = feature_columns.iter().find(|&&c| c >= file.table.n_columns()) {
        return Err(named(name)(PipelineErrorKind::NoSuchColumn {
            index: bad,
            n_columns: file.table.n_columns(),
        }));
    }
    let matrix = build_features(&file.table, &feature_columns).map_err(named(name))?;
    let scaler = StandardScaler::fit(&matrix.values, matrix.n_features);
    let scaled = scaler.transform(&matrix.values);
    let params = KMeansParams::new(options.n_clusters).seed(options.seed);
    let fit = kmeans::fit(&scaled, matrix.n_features, &params).map_err(named(name))?;

    let mut segments = vec![None; file.table.n_rows()];
    for (&row, &label) in matrix.row_of.iter().zip(&fit.labels) {
        if let Some(s) = segments.get_mut(row) {
            *s = Some(label);
        }
    }
    let csv = segmented_csv(&file.table, &segments).map_err(named(name))?;
    let mut warnings = fit.warnings.clone();
    if !matrix.excluded.is_empty() {
        let first = matrix.excluded.first().map_or(String::new(), |e| {
            let line = file.table.row_lines.get(e.row).copied().unwrap_or(0);
            format!(" (first: line {line}, {})", e.reason)
        });
        warnings.push(format!(
            "{} rows were not clustered and keep an empty segment{first}",
            matrix.excluded.len()
        ));
    }
    Ok(Segmentation {
        feature_names: feature_columns
            .iter()
            .map(|&c| file.table.headers.get(c).cloned().unwrap_or_default())
            .collect(),
        feature_columns,
        values: matrix.values,
        cluster_sizes: fit.cluster_sizes(),
        centers: scaler.inverse_transform(&fit.centers),
        labels: fit.labels,
        inertia: fit.inertia,
        n_iterations: fit.n_iterations,
        n_rows: file.table.n_rows(),
        n_excluded: matrix.excluded.len(),
        warnings,
        csv,
    })
}
