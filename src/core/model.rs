//! A segmentation saved as JSON and applied to new rows: everything needed to turn a row of
//! the same columns into the same features (imputation values, clip bounds, log, one-hot
//! categories, scaler) and to give it the nearest centre.
//!
//! The JSON is versioned (`schema_version`): a model of a newer version, or whose columns
//! the new file lacks, is refused with a message naming what is missing; one of an older
//! version is migrated as it is read ([`read_model`]).
//!
//! Versions: 1 held the features and the scaler side by side; 2 holds them as one
//! [`FeaturePlan`] with the missing-value tokens the file was read with.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::clean::{CleanedData, CleaningOptions};
use super::export::RowOutcome;
use super::ingest::Table;
use super::kmeans::squared_distance;
use super::pipeline::{LoadedFile, Segmentation};
use super::plan::FeaturePlan;
use super::stability::StabilityLevel;

/// Bumped when a field changes meaning; older apps refuse newer models.
pub const MODEL_SCHEMA_VERSION: u32 = 2;

/// Where the model came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSource {
    /// The file that was read (in transaction mode: the transaction log).
    pub file_name: String,
    /// SHA-256 of that file's bytes, hex, taken when they were read.
    pub sha256: String,
    /// What the file was; models saved before this field read as [`SourceOrigin::File`].
    #[serde(default)]
    pub origin: SourceOrigin,
    /// Rows of the table clustered (in transaction mode: customers, not log lines).
    pub n_rows: usize,
    pub n_clustered: usize,
}

/// What the input of a model was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceOrigin {
    /// A file of one row per customer.
    #[default]
    File,
    /// The built-in sample customers (`core::sample`).
    Sample,
    /// A transaction log: the customers clustered were derived from it (one row per
    /// customer: Recency, Frequency, Monetary, ...).
    TransactionLog,
}

/// The bytes a segmentation starts from, hashed once when they are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub file_name: String,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    pub origin: SourceOrigin,
}

impl Provenance {
    /// Hashes the bytes of a file as read.
    pub fn of(file_name: &str, bytes: &[u8], origin: SourceOrigin) -> Self {
        Self { file_name: file_name.to_owned(), sha256: sha256_hex(bytes), origin }
    }
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
    /// Row → features: fills, clip bounds, log, one-hot categories, scaler.
    pub plan: FeaturePlan,
    pub n_clusters: usize,
    pub seed: u64,
    /// Centres on the scaled features, one per segment.
    pub centers_scaled: Vec<Vec<f64>>,
    /// Segment means in the data's own units, one per segment.
    pub centers_original: Vec<Vec<f64>>,
    pub segment_names: Vec<String>,
    pub metrics: SavedMetrics,
    /// Each segment's bootstrap stability when the model was saved (mean Jaccard, its
    /// reading, and how it was measured); absent in models saved before it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stability: Option<SavedStability>,
}

/// Each segment's stability, as saved with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedStability {
    /// Mean bootstrap Jaccard per segment (`None` where not measured).
    pub jaccard: Vec<Option<f64>>,
    /// "highly stable", "stable", "a pattern rather than a group", "do not rely on it".
    pub reading: Vec<Option<String>>,
    pub basis: String,
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
    #[error("the model has no segment: download the model again from a segmentation")]
    NoSegments,
    #[error("the model has {names} segment names for {segments} segments: download the model again")]
    NamesCount { names: usize, segments: usize },
    #[error("the model's clip bounds of “{feature}” are not two numbers with lower ≤ upper ({lo}, {hi}): download the model again")]
    InvalidClip { feature: String, lo: f64, hi: f64 },
    #[error("the model's fill value for missing “{feature}” is not a number ({value}): download the model again")]
    InvalidImpute { feature: String, value: f64 },
    #[error("the model's scaling of “{feature}” is not usable (centre {center}, scale {scale}; the scale must be a non-zero number): download the model again")]
    InvalidScaler { feature: String, center: f64, scale: f64 },
    #[error("the model's centre of segment {segment} holds a value that is not a number: download the model again")]
    InvalidCentre { segment: usize },
}

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Builds the model of a segmentation.
pub fn save_model(
    file: &LoadedFile,
    provenance: &Provenance,
    cleaning: &CleaningOptions,
    cleaned: &CleanedData,
    segmentation: &Segmentation,
    names: &[String],
    seed: u64,
) -> SavedModel {
    let d = cleaned.n_features.max(1);
    SavedModel {
        schema_version: MODEL_SCHEMA_VERSION,
        app: "customer-segmentation".to_owned(),
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        source: ModelSource {
            file_name: provenance.file_name.clone(),
            sha256: provenance.sha256.clone(),
            origin: provenance.origin,
            n_rows: file.table.n_rows(),
            n_clustered: cleaned.n_rows,
        },
        columns: file.profile.columns.iter().map(|c| SavedColumn { name: c.name.clone(), kind: c.kind.as_str().to_owned() }).collect(),
        cleaning: cleaning.clone(),
        plan: cleaned.plan.clone(),
        n_clusters: segmentation.n_clusters(),
        seed,
        centers_scaled: segmentation.centers_scaled.chunks_exact(d).map(<[f64]>::to_vec).collect(),
        centers_original: segmentation.segments.iter().map(|s| s.features.iter().map(|f| f.mean).collect()).collect(),
        segment_names: names.to_vec(),
        metrics: SavedMetrics { inertia: segmentation.inertia, n_iterations: segmentation.n_iterations },
        stability: segmentation.stability.as_ref().map(|s| SavedStability {
            jaccard: s.jaccard.clone(),
            reading: s.jaccard.iter().map(|j| j.map(|j| StabilityLevel::of(j).words().to_owned())).collect(),
            basis: s.basis(),
        }),
    }
}

/// Reads a model from JSON, checking its version and shape; a model of an older schema
/// is migrated first ([`migrate`]).
pub fn read_model(json: &[u8]) -> Result<SavedModel, ModelError> {
    let not_a_model = |e: serde_json::Error| ModelError::NotAModel(e.to_string());
    let mut value: serde_json::Value = serde_json::from_slice(json).map_err(not_a_model)?;
    if let Some(app) = value.get("app").and_then(serde_json::Value::as_str).filter(|&a| a != "customer-segmentation") {
        return Err(ModelError::NotAModel(format!("made by “{app}”")));
    }
    let version = value.get("schema_version").and_then(serde_json::Value::as_u64).unwrap_or(0);
    if version > u64::from(MODEL_SCHEMA_VERSION) {
        let found = u32::try_from(version).unwrap_or(u32::MAX);
        return Err(ModelError::NewerSchema { found, supported: MODEL_SCHEMA_VERSION });
    }
    if version == 1 {
        migrate(&mut value);
    }
    let model: SavedModel = serde_json::from_value(value).map_err(not_a_model)?;
    if model.app != "customer-segmentation" {
        return Err(ModelError::NotAModel(format!("made by “{}”", model.app)));
    }
    check_model(&model)?;
    Ok(model)
}

/// Schema 1 → 2: the features (each with its column's name and decimal convention) and the
/// scaler become one plan; its column indexes are the columns' places in the saved column
/// list, and its missing-value tokens the defaults every schema-1 model was read with.
fn migrate(value: &mut serde_json::Value) {
    let Some(object) = value.as_object_mut() else { return };
    let names: Vec<String> = object
        .get("columns")
        .and_then(serde_json::Value::as_array)
        .map(|columns| columns.iter().filter_map(|c| c.get("name").and_then(serde_json::Value::as_str).map(str::to_owned)).collect())
        .unwrap_or_default();
    let mut features = object.remove("features").unwrap_or(serde_json::Value::Null);
    for feature in features.as_array_mut().into_iter().flatten() {
        let column = feature.get("column_name").and_then(serde_json::Value::as_str).and_then(|n| names.iter().position(|c| c == n));
        if let Some(f) = feature.as_object_mut() {
            f.insert("column".to_owned(), serde_json::json!(column.unwrap_or(0)));
        }
    }
    let scaler = object.remove("scaler").unwrap_or(serde_json::Value::Null);
    let plan = serde_json::json!({
        "features": features,
        "scaler": scaler,
        "missing_tokens": FeaturePlan::default_missing_tokens(),
    });
    object.insert("plan".to_owned(), plan);
    object.insert("schema_version".to_owned(), serde_json::json!(MODEL_SCHEMA_VERSION));
}

/// Everything [`apply_model`] relies on: shapes (d ≥ 1 features, k ≥ 1 centres of d values,
/// a scaler of d, k names), finite clip bounds with lo ≤ hi, finite fill values, a finite
/// scaler with non-zero scales, finite centres. A model read from JSON holds only finite
/// numbers (JSON has no NaN), but one may be built otherwise.
pub fn check_model(model: &SavedModel) -> Result<(), ModelError> {
    let d = model.plan.features.len();
    let k = model.n_clusters;
    if d == 0
        || model.centers_scaled.len() != k
        || model.centers_scaled.iter().any(|c| c.len() != d)
        || model.centers_original.len() != k
        || model.centers_original.iter().any(|c| c.len() != d)
    {
        return Err(ModelError::Inconsistent(format!("{d} features but centres of another size")));
    }
    model.plan.check()?;
    if k == 0 {
        return Err(ModelError::NoSegments);
    }
    if model.segment_names.len() != k {
        return Err(ModelError::NamesCount { names: model.segment_names.len(), segments: k });
    }
    if let Some(segment) = model.centers_scaled.iter().position(|c| c.iter().any(|v| !v.is_finite())) {
        return Err(ModelError::InvalidCentre { segment });
    }
    Ok(())
}

/// Gives every row of `table` the segment of the nearest saved centre, after the saved
/// transformations; rows that cannot be placed keep an empty segment and the reason.
/// Checks the model first ([`check_model`]), so a model built in code is held to what
/// [`read_model`] asks of a file.
pub fn apply_model(table: &Table, model: &SavedModel) -> Result<Vec<RowOutcome>, ModelError> {
    check_model(model)?;
    let d = model.plan.features.len();
    let rows = model.plan.transform(table)?;
    let outcomes = rows
        .reasons
        .into_iter()
        .zip(rows.scaled.chunks_exact(d.max(1)))
        .map(|(reason, z)| match reason {
            Some(reason) => RowOutcome { segment: None, excluded_reason: Some(reason) },
            None => RowOutcome { segment: nearest_centre(&model.centers_scaled, z), excluded_reason: None },
        })
        .collect();
    Ok(outcomes)
}

/// The centre nearest `z` by squared distance (the K-Means kernel's own sum); a tie goes to
/// the lowest index, as in the fit.
pub fn nearest_centre(centres: &[Vec<f64>], z: &[f64]) -> Option<usize> {
    centres.iter().enumerate().map(|(s, c)| (s, squared_distance(z, c))).min_by(|a, b| a.1.total_cmp(&b.1)).map(|(s, _)| s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clean::FeatureSource;
    use crate::core::ingest::{parse_csv, IngestOptions};
    use crate::core::outcome::ExclusionReason;
    use crate::core::pipeline::{self, clean, load, segment, SegmentOptions};

    const CUSTOMERS: &[u8] = include_bytes!("../../tests/fixtures/customers.csv");

    fn provenance() -> Provenance {
        Provenance::of("customers.csv", CUSTOMERS, SourceOrigin::File)
    }

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
        let s = segment(&file, &cleaned, &SegmentOptions::new(5, 42)).unwrap();
        let names: Vec<String> = s.segments.iter().map(|x| x.name.clone()).collect();
        let model = save_model(&file, &Provenance::of("customers.csv", CUSTOMERS, SourceOrigin::File), &options, &cleaned, &s, &names, 42);
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
        let s = segment(&file, &cleaned, &SegmentOptions::new(3, 1)).unwrap();
        let names = pipeline::segment_names(&s, &[]);
        let mut model = save_model(&file, &provenance(), &options, &cleaned, &s, &names, 1);
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
        let s = segment(&file, &cleaned, &SegmentOptions::new(3, 1)).unwrap();
        let names = pipeline::segment_names(&s, &[]);
        let model = save_model(&file, &provenance(), &options, &cleaned, &s, &names, 1);
        let new = parse_csv(b"Age,Annual Income (k$),Spending Score (1-100)\n30,NA,50\n40,60,55\n", &IngestOptions::default()).unwrap();
        let outcomes = apply_model(&new, &model).unwrap();
        assert_eq!(outcomes[0].segment, None);
        assert_eq!(
            outcomes[0].excluded_reason.as_ref().map(ExclusionReason::describe).as_deref(),
            Some("missing or not a number in Annual Income (k$)")
        );
        assert!(outcomes[1].segment.is_some());
    }

    /// A model of the fixture with a percentile clip and a median fill, as JSON values.
    fn model_json() -> serde_json::Value {
        let file = load("customers.csv", CUSTOMERS, &IngestOptions::default(), &mut |_| {}).unwrap();
        let mut options = CleaningOptions::suggested(&file.profile);
        options.numeric[1].missing = crate::core::clean::MissingStrategy::Median;
        options.outliers = crate::core::clean::OutlierPolicy::ClipPercentiles { lower: 1.0, upper: 99.0 };
        let cleaned = clean(&file, &options).unwrap();
        let s = segment(&file, &cleaned, &SegmentOptions::new(3, 1)).unwrap();
        let names = pipeline::segment_names(&s, &[]);
        serde_json::to_value(save_model(&file, &provenance(), &options, &cleaned, &s, &names, 1)).unwrap()
    }

    fn read_changed(change: impl FnOnce(&mut serde_json::Value)) -> Result<SavedModel, ModelError> {
        let mut json = model_json();
        change(&mut json);
        read_model(&serde_json::to_vec(&json).unwrap())
    }

    #[test]
    fn the_test_model_reads() {
        let json = model_json();
        assert!(json["plan"]["features"][0]["source"]["clip"].is_array(), "{}", json["plan"]["features"][0]);
        assert!(read_changed(|_| {}).is_ok());
    }

    #[test]
    fn clip_bounds_out_of_order_are_refused_not_a_panic() {
        let result = read_changed(|j| j["plan"]["features"][0]["source"]["clip"] = serde_json::json!([10.0, 1.0]));
        assert!(matches!(result, Err(ModelError::InvalidClip { lo: 10.0, hi: 1.0, .. })), "{result:?}");
        assert!(result.unwrap_err().to_string().contains("download the model again"));
    }

    #[test]
    fn a_zero_scale_is_refused() {
        let result = read_changed(|j| j["plan"]["scaler"]["scales"][1] = serde_json::json!(0.0));
        assert!(matches!(result, Err(ModelError::InvalidScaler { scale: 0.0, .. })), "{result:?}");
    }

    #[test]
    fn shapes_and_counts_are_checked() {
        let no_segments = read_changed(|j| {
            j["n_clusters"] = serde_json::json!(0);
            j["centers_scaled"] = serde_json::json!([]);
            j["centers_original"] = serde_json::json!([]);
            j["segment_names"] = serde_json::json!([]);
        });
        assert_eq!(no_segments, Err(ModelError::NoSegments));
        let names = read_changed(|j| j["segment_names"] = serde_json::json!(["only one"]));
        assert_eq!(names, Err(ModelError::NamesCount { names: 1, segments: 3 }));
        let short_centre = read_changed(|j| j["centers_scaled"][2] = serde_json::json!([0.0]));
        assert!(matches!(short_centre, Err(ModelError::Inconsistent(_))));
        let short_original = read_changed(|j| j["centers_original"][0] = serde_json::json!([]));
        assert!(matches!(short_original, Err(ModelError::Inconsistent(_))));
        let more_clusters = read_changed(|j| j["n_clusters"] = serde_json::json!(u64::MAX));
        assert!(matches!(more_clusters, Err(ModelError::Inconsistent(_))));
        let no_features = read_changed(|j| j["plan"]["features"] = serde_json::json!([]));
        assert!(matches!(no_features, Err(ModelError::Inconsistent(_))));
    }

    #[test]
    fn numbers_json_cannot_hold_are_refused_in_a_model_built_in_code() {
        // JSON has no NaN or infinity (serde_json refuses 1e999), so these reach only a
        // model built in code; apply_model checks it as read_model does.
        let table = parse_csv(CUSTOMERS, &IngestOptions::default()).unwrap();
        let good = read_changed(|_| {}).unwrap();
        let mut m = good.clone();
        m.plan.scaler.centers[0] = f64::NAN;
        assert!(matches!(apply_model(&table, &m), Err(ModelError::InvalidScaler { .. })));
        let mut m = good.clone();
        m.centers_scaled[1][0] = f64::INFINITY;
        assert_eq!(apply_model(&table, &m), Err(ModelError::InvalidCentre { segment: 1 }));
        let mut m = good.clone();
        let FeatureSource::Number { impute, .. } = &mut m.plan.features[1].source else { panic!() };
        *impute = Some(f64::NAN);
        assert!(matches!(apply_model(&table, &m), Err(ModelError::InvalidImpute { .. })));
        let mut m = good;
        let FeatureSource::Number { clip, .. } = &mut m.plan.features[0].source else { panic!() };
        *clip = Some((f64::NAN, 1.0));
        assert!(matches!(apply_model(&table, &m), Err(ModelError::InvalidClip { .. })));
        assert!(matches!(read_model(b"{\"lo\": 1e999}"), Err(ModelError::NotAModel(_))));
    }

    #[test]
    fn a_model_saved_before_the_origin_field_reads_as_a_file() {
        let model = read_changed(|j| {
            j["source"].as_object_mut().unwrap().remove("origin");
        })
        .unwrap();
        assert_eq!(model.source.origin, SourceOrigin::File);
        assert_eq!(model.source.sha256, sha256_hex(CUSTOMERS));
    }

    #[test]
    fn a_model_saved_with_schema_1_is_migrated_and_gives_its_segments() {
        // Saved by the version before the feature plan: a log and percentile clip on Age, a
        // median fill of Income, Genre one-hot (top 1 + other), k = 4, seed 42.
        let json = include_bytes!("../../tests/fixtures/model_v1.json");
        let expected: Vec<usize> =
            include_str!("../../tests/fixtures/model_v1_labels.txt").lines().map(|l| l.trim().parse().unwrap()).collect();
        let model = read_model(json).unwrap();
        assert_eq!(model.schema_version, MODEL_SCHEMA_VERSION);
        assert_eq!(model.plan.missing_tokens, FeaturePlan::default_missing_tokens());
        let genre = model.plan.features.iter().find(|f| f.column_name == "Genre").unwrap();
        assert_eq!(genre.column, 1);
        let table = parse_csv(CUSTOMERS, &IngestOptions::default()).unwrap();
        let labels: Vec<usize> = apply_model(&table, &model).unwrap().iter().map(|o| o.segment.unwrap()).collect();
        assert_eq!(labels, expected);
        // Saved again, it reads as schema 2 with the same plan.
        let again = read_model(&serde_json::to_vec(&model).unwrap()).unwrap();
        assert_eq!(again, model);
    }

    #[test]
    fn the_plan_reads_missing_tokens_it_was_fitted_with() {
        let mut options = IngestOptions::default();
        options.missing_tokens.push("unknown".to_owned());
        let file = load("customers.csv", CUSTOMERS, &options, &mut |_| {}).unwrap();
        let mut cleaning = CleaningOptions::suggested(&file.profile);
        cleaning.categorical = vec![1];
        let cleaned = clean(&file, &cleaning).unwrap();
        assert!(cleaned.plan.missing_tokens.iter().any(|t| t == "unknown"));
        assert!(cleaned.plan.is_missing("UNKNOWN"));
        assert_eq!(cleaned.plan.category(" unknown "), crate::core::plan::MISSING_CATEGORY);
    }
}
