//! Settings (never data) kept across reloads in localStorage: the number of segments and
//! the cleaning choices that apply to every file. Column choices are not kept: column
//! names are the user's data.

use serde::{Deserialize, Serialize};

use crate::core::clean::{CleaningOptions, DuplicatePolicy, OutlierPolicy, Scaling};

/// The localStorage key (versioned: an old shape is ignored, not misread).
pub const STORAGE_KEY: &str = "customer-segmentation.settings.v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The k the user typed; a recommended k is not a setting (each file gets its own).
    #[serde(default)]
    pub k: Option<String>,
    pub duplicates: DuplicatePolicy,
    pub outliers: OutlierPolicy,
    pub scaling: Scaling,
    pub one_hot_top: usize,
    pub exclude_ragged: bool,
}

impl Settings {
    /// The file-independent part of a file's cleaning choices, with the k typed in.
    pub fn from_choices(k: Option<String>, cleaning: Option<&CleaningOptions>) -> Option<Self> {
        let c = cleaning?;
        Some(Self {
            k,
            duplicates: c.duplicates,
            outliers: c.outliers,
            scaling: c.scaling,
            one_hot_top: c.one_hot_top,
            exclude_ragged: c.exclude_ragged,
        })
    }

    /// Puts the saved choices on a new file's suggested ones.
    pub fn apply_to(&self, cleaning: &mut CleaningOptions) {
        cleaning.duplicates = self.duplicates;
        cleaning.outliers = self.outliers;
        cleaning.scaling = self.scaling;
        cleaning.one_hot_top = self.one_hot_top.clamp(1, 50);
        cleaning.exclude_ragged = self.exclude_ragged;
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The saved settings, if any (and readable).
pub fn load() -> Option<Settings> {
    let text = storage()?.get_item(STORAGE_KEY).ok()??;
    serde_json::from_str(&text).ok()
}

pub fn save(settings: &Settings) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(settings)) {
        let _ = storage.set_item(STORAGE_KEY, &text);
    }
}

pub fn clear() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(STORAGE_KEY);
    }
}
