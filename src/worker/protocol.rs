//! Messages between the page and the worker, carried by serde-wasm-bindgen. Byte buffers
//! go as `Uint8Array` (serde_bytes), not as arrays of numbers.

use serde::{Deserialize, Serialize};

use crate::core::pipeline::{SegmentOptions, Segmentation};
use crate::core::profile::ColumnProfile;

/// A request from the page. `id` comes back on the response so the page can ignore
/// answers to requests it has since superseded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: u64,
    pub body: RequestBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RequestBody {
    /// Read and profile a file; the worker keeps it for the requests that follow.
    Load {
        name: String,
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
    },
    /// Segment the file loaded last.
    Segment(SegmentOptions),
}

/// A message from the worker. `id` is 0 for [`ResponseBody::Ready`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub id: u64,
    pub body: ResponseBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseBody {
    /// The worker's wasm is loaded: messages sent from now on are handled.
    Ready,
    Loaded(FileSummary),
    Segmented(SegmentReport),
    /// The request failed; the message names the file and what to do.
    Failed { message: String },
}

/// What the page shows about a loaded file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    pub name: String,
    pub n_rows: usize,
    pub n_columns: usize,
    pub headers: Vec<String>,
    pub columns: Vec<ColumnProfile>,
    /// Columns used as features unless the user chooses others.
    pub default_features: Vec<usize>,
    pub delimiter: String,
    pub encoding: String,
    pub elapsed_ms: f64,
}

/// A segmentation and how long it took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentReport {
    pub segmentation: Segmentation,
    pub elapsed_ms: f64,
}

/// The delimiter as the page shows it.
pub fn delimiter_name(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "tab".to_owned(),
        b',' => "comma".to_owned(),
        b';' => "semicolon".to_owned(),
        b'|' => "pipe".to_owned(),
        other => format!("“{}”", other as char),
    }
}
