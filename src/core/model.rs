//! A segmentation saved as JSON and applied to new rows: everything needed to turn a row of
//! the same columns into the same features (imputation values, clip bounds, log, one-hot
//! categories, scaler) and to give it the nearest centre.
//!
//! The JSON is versioned (`schema_version`); a model of another version or whose columns
//! the new file lacks is refused with a message naming what is missing.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::clean::{category_of, CleanedData, CleaningOptions, Feature, FeatureSource, Scaler};
use super::export::RowOutcome;
use super::ingest::Table;
use super::kmeans::squared_distance;
use super::pipeline::{LoadedFile, Segmentation};
use super::profile::parse_column;

/// Bumped when a field changes meaning; older apps refuse newer models.
pub const MODEL_SCHEMA_VERSION: u32 = 1;

/// Where the model came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSource {
    pub file_name: String,
    /// SHA-256 of the input file's bytes, hex.
    pub sha256: String,
    pub n_rows: usize,
    pub n_clustered: usize,
}

/// A feature as saved: the table column it reads by name, and what was done to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedFeature {
    pub name: String,
    pub column_name: String,
    /// The column's numbers were written with a decimal comma.
    pub decimal_comma: bool,
    pub source: FeatureSource,
}

/// Column kinds as they were when the model was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedColumn {
    pub name: String,
    pub kind: String,
}

/// The quality figures of the fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedMetrics {
    pub inertia: f64,
    pub n_iterations: usize,
}

/// A saved segmentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedModel {
    pub schema_version: u32,
    pub app: String,
    pub app_version: String,
    pub source: ModelSource,
    pub columns: Vec<SavedColumn>,
    pub cleaning: CleaningOptions,
    pub features: Vec<SavedFeature>,
    pub scaler: Scaler,
    pub n_clusters: usize,
    pub seed: u64,
    /// Centres on the scaled features, one per segment.
    pub centers_scaled: Vec<Vec<f64>>,
    /// Segment means in the data's own units, one per segment.
    pub centers_original: Vec<Vec<f64>>,
    pub segment_names: Vec<String>,
    pub metrics: SavedMetrics,
}

/// Why a model could not be read or applied.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ModelError {
    #[error("this is not a model saved by Customer Segmentation ({0}): choose the .json file its “Download model” gave")]
    NotAModel(String),
    #[error("the model was saved by a newer version (schema {found}, this page reads {supported}): update the page")]
    NewerSchema { found: u32, supported: u32 },
    #[error("the file has no column “{0}”, which the model needs: use a file with the same columns as the one the model was made from")]
    MissingColumn(String),
    #[error("the model is inconsistent: {0}")]
    Inconsistent(String),
}

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Builds the model of a segmentation.
pub fn save_model(
    file: &LoadedFile,
    file_sha256: String,
    cleaning: &CleaningOptions,
    cleaned: &CleanedData,
    segmentation: &Segmentation,
    names: &[String],
    seed: u64,
) -> SavedModel {
    let d = cleaned.n_features.max(1);
    let column_name = |f: &Feature| file.table.headers.get(f.column).cloned().unwrap_or_default();
    SavedModel {
        schema_version: MODEL_SCHEMA_VERSION,
        app: "customer-segmentation".to_owned(),
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        source: ModelSource { file_name: file.name.clone(), sha256: file_sha256, n_rows: file.table.n_rows(), n_clustered: cleaned.n_rows },
        columns: file.profile.columns.iter().map(|c| SavedColumn { name: c.name.clone(), kind: c.kind.as_str().to_owned() }).collect(),
        cleaning: cleaning.clone(),
        features: cleaned
            .features
            .iter()
            .map(|f| SavedFeature {
                name: f.name.clone(),
                column_name: column_name(f),
                decimal_comma: file.profile.columns.get(f.column).is_some_and(|c| c.decimal_comma),
                source: f.source.clone(),
            })
            .collect(),
        scaler: cleaned.scaler.clone(),
        n_clusters: segmentation.n_clusters(),
        seed,
        centers_scaled: segmentation.centers_scaled.chunks_exact(d).map(<[f64]>::to_vec).collect(),
        centers_original: segmentation.segments.iter().map(|s| s.features.iter().map(|f| f.mean).collect()).collect(),
        segment_names: names.to_vec(),
        metrics: SavedMetrics { inertia: segmentation.inertia, n_iterations: segmentation.n_iterations },
    }
}

/// Reads a model from JSON, checking its version and shape.
pub fn read_model(json: &[u8]) -> Result<SavedModel, ModelError> {
    let model: SavedModel = serde_json::from_slice(json).map_err(|e| ModelError::NotAModel(e.to_string()))?;
    if model.app != "customer-segmentation" {
        return Err(ModelError::NotAModel(format!("made by “{}”", model.app)));
    }
    if model.schema_version > MODEL_SCHEMA_VERSION {
        return Err(ModelError::NewerSchema { found: model.schema_version, supported: MODEL_SCHEMA_VERSION });
    }
    let d = model.features.len();
    if d == 0
        || model.scaler.centers.len() != d
        || model.scaler.scales.len() != d
        || model.centers_scaled.len() != model.n_clusters
        || model.centers_scaled.iter().any(|c| c.len() != d)
    {
        return Err(ModelError::Inconsistent(format!("{d} features but centres or scaler of another size")));
    }
    Ok(model)
}

/// Gives every row of `table` the segment of the nearest saved centre, after the saved
/// transformations; rows that cannot be placed keep an empty segment and the reason.
pub fn apply_model(table: &Table, model: &SavedModel) -> Result<Vec<RowOutcome>, ModelError> {
    let n = table.n_rows();
    let d = model.features.len();
    let column_of = |name: &str| table.headers.iter().position(|h| h == name).ok_or_else(|| ModelError::MissingColumn(name.to_owned()));
    // Each feature's values for every row (NaN: cannot be placed), in feature order.
    let mut columns: Vec<Vec<f64>> = Vec::with_capacity(d);
    let mut reasons: Vec<Option<String>> = vec![None; n];
    for feature in &model.features {
        let column = column_of(&feature.column_name)?;
        let values: Vec<f64> = match &feature.source {
            FeatureSource::Number { impute, clip, log1p } => {
                let numbers = parse_column(table, column, feature.decimal_comma);
                numbers
                    .values
                    .iter()
                    .enumerate()
                    .map(|(row, &v)| {
                        let v = if v.is_nan() {
                            match impute {
                                Some(fill) if !numbers.invalid_rows.contains(&row) => *fill,
                                _ => {
                                    if let Some(slot @ None) = reasons.get_mut(row) {
                                        *slot = Some(format!("missing or not a number in {}", feature.column_name));
                                    }
                                    return f64::NAN;
                                }
                            }
                        } else {
                            v
                        };
                        let v = clip.map_or(v, |(lo, hi)| v.clamp(lo, hi));
                        if *log1p {
                            if v < 0.0 {
                                if let Some(slot @ None) = reasons.get_mut(row) {
                                    *slot = Some(format!("negative {} cannot be log-transformed", feature.column_name));
                                }
                                return f64::NAN;
                            }
                            v.ln_1p()
                        } else {
                            v
                        }
                    })
                    .collect()
            }
            FeatureSource::OneHot { value, listed } => (0..n)
                .map(|row| {
                    let category = category_of(table, row, column);
                    f64::from(u8::from(match value {
                        Some(v) => &category == v,
                        None => !listed.contains(&category),
                    }))
                })
                .collect(),
        };
        columns.push(values);
    }
    let mut outcomes = Vec::with_capacity(n);
    let mut z = vec![0.0; d];
    for row in 0..n {
        if let Some(Some(reason)) = reasons.get(row) {
            outcomes.push(RowOutcome { segment: None, excluded_reason: Some(reason.clone()) });
            continue;
        }
        for (f, slot) in z.iter_mut().enumerate() {
            let x = columns.get(f).and_then(|c| c.get(row)).copied().unwrap_or(f64::NAN);
            let center = model.scaler.centers.get(f).copied().unwrap_or(0.0);
            let scale = model.scaler.scales.get(f).copied().unwrap_or(1.0);
            *slot = (x - center) / scale;
        }
        let nearest = model
            .centers_scaled
            .iter()
            .enumerate()
            .map(|(s, c)| (s, squared_distance(&z, c)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(s, _)| s);
        outcomes.push(RowOutcome { segment: nearest, excluded_reason: None });
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::{parse_csv, IngestOptions};
    use crate::core::pipeline::{clean, load, segment, SegmentOptions};

    const CUSTOMERS: &[u8] = include_bytes!("../../tests/fixtures/customers.csv");

    #[test]
    fn sha256_matches_the_standard_test_vector() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn a_saved_model_applied_to_the_same_file_gives_the_same_segments() {
        let file = load("customers.csv", CUSTOMERS, &IngestOptions::default(), &mut |_| {}).unwrap();
        let mut options = CleaningOptions::suggested(&file.profile);
        options.numeric[0].log1p = true;
        options.numeric[1].missing = crate::core::clean::MissingStrategy::Median;
        options.categorical = vec![1];
        let cleaned = clean(&file, &options).unwrap();
        let s = segment(&file, &cleaned, &SegmentOptions { n_clusters: 5, seed: 42 }).unwrap();
        let names: Vec<String> = s.segments.iter().map(|x| x.name.clone()).collect();
        let model = save_model(&file, sha256_hex(CUSTOMERS), &options, &cleaned, &s, &names, 42);
        let json = serde_json::to_vec_pretty(&model).unwrap();
        let back = read_model(&json).unwrap();
        assert_eq!(back, model);
        let outcomes = apply_model(&file.table, &back).unwrap();
        let applied: Vec<usize> = outcomes.iter().map(|o| o.segment.unwrap()).collect();
        assert_eq!(applied, s.labels);
    }

    #[test]
    fn a_model_needs_its_columns_and_its_version() {
        let file = load("customers.csv", CUSTOMERS, &IngestOptions::default(), &mut |_| {}).unwrap();
        let options = CleaningOptions::suggested(&file.profile);
        let cleaned = clean(&file, &options).unwrap();
        let s = segment(&file, &cleaned, &SegmentOptions { n_clusters: 3, seed: 1 }).unwrap();
        let mut model = save_model(&file, String::new(), &options, &cleaned, &s, &[], 1);
        let other = parse_csv(b"Age,Spend\n30,5\n", &IngestOptions::default()).unwrap();
        assert_eq!(apply_model(&other, &model), Err(ModelError::MissingColumn("Annual Income (k$)".into())));
        model.schema_version = 99;
        let json = serde_json::to_vec(&model).unwrap();
        assert!(matches!(read_model(&json), Err(ModelError::NewerSchema { found: 99, .. })));
        assert!(matches!(read_model(b"{\"a\":1}"), Err(ModelError::NotAModel(_))));
        assert!(matches!(read_model(b"\x89PNG"), Err(ModelError::NotAModel(_))));
    }

    #[test]
    fn rows_that_cannot_be_placed_keep_their_reason() {
        let file = load("customers.csv", CUSTOMERS, &IngestOptions::default(), &mut |_| {}).unwrap();
        let options = CleaningOptions::suggested(&file.profile);
        let cleaned = clean(&file, &options).unwrap();
        let s = segment(&file, &cleaned, &SegmentOptions { n_clusters: 3, seed: 1 }).unwrap();
        let model = save_model(&file, String::new(), &options, &cleaned, &s, &[], 1);
        let new = parse_csv(b"Age,Annual Income (k$),Spending Score (1-100)\n30,NA,50\n40,60,55\n", &IngestOptions::default()).unwrap();
        let outcomes = apply_model(&new, &model).unwrap();
        assert_eq!(outcomes[0].segment, None);
        assert_eq!(outcomes[0].excluded_reason.as_deref(), Some("missing or not a number in Annual Income (k$)"));
        assert!(outcomes[1].segment.is_some());
    }
}
