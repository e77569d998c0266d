//! What each segment is worth and what it buys, and what to do with it: per-segment sums of
//! every numeric column of the file (clustering feature or not), a guess of the column that
//! holds money ("value"), a guess of the group of product or category spend columns
//! ("preferences"), an index per segment and column, and a suggested action per segment.
//!
//! **Value.** Each segment's share of the clustered customers beside its share of the value
//! column's total over them ("Segment 3: 20% of customers, 41% of spend"). The value is one
//! column, or the total of several (the preference columns when the file has no single
//! spend column); a missing cell counts as nothing in the total and is counted in
//! `missing`. The shares of value add to 1 over the segments (the same sums make the total).
//! Guess ([`guess_value`]): a non-negative money-like column by name (Monetary, spend,
//! revenue, sales, total, amount, value; never a score, rating, average or price), else the
//! total of the preference group, else an income column, else none (the user picks one).
//!
//! **Preferences.** A group of at least 3 non-negative numeric columns that share a money
//! word as the first or last part of their names (`MntWines`, `Spend_Food`, `fresh_amount`),
//! else at least 3 whose names hold a product or category word (`Fresh`, `Milk`, `Grocery`,
//! `Detergents_Paper`, …) ([`guess_preferences`]). The user can mark others. A segment's
//! index for a column is its mean ÷ all clustered customers' mean × 100 (missing cells left
//! out of both); the columns at [`OVER_INDEX`] or more are named on the card, most first
//! ("buys 2.4× more wines than average").
//!
//! **Suggested actions** ([`SegmentValues::actions`]), the first rule that fits, from the
//! segment's value per customer (its share of value ÷ its share of customers; high at
//! [`HIGH`] or more, low at [`LOW`] or less) and the index of its recency (a column named
//! like "Recency" or "days since"), purchase counts (mean index of the frequency-like
//! columns) and income:
//!
//! | rule | when | suggestion |
//! |---|---|---|
//! | win back | high value, recency index ≥ 130 (long since last purchase) | a personal offer before they leave |
//! | reward and retain | high value otherwise | loyalty perks, early access |
//! | onboard | recency index ≤ 70 and purchases index ≤ 70 (new) | welcome series, second-purchase offer |
//! | reactivate cheaply | low value, recency index ≥ 130 | low-cost reactivation, or leave out of paid campaigns |
//! | upsell | low value, income index ≥ 130 | premium lines or bundles |
//! | grow | low value otherwise | cross-sell at a low cost per contact |
//! | maintain | anything else | regular campaigns |
//!
//! When the value is an income column (the file has no spend column), "value" in these
//! rules is the index of the spend-like columns (a spending score) and the income index is
//! the value's. Columns that are absent simply never fire their rule. Every text starts "Suggested:"; the
//! user edits it on the card and the edit goes into the summary export.

use serde::{Deserialize, Serialize};

use super::profile::{ColumnKind, TableProfile};
use super::segments::{role, short_name_and_unit, Role};

/// A segment's value per customer at this multiple of the average or more is "high".
pub const HIGH: f64 = 1.3;
/// … at this multiple or less, "low".
pub const LOW: f64 = 0.7;
/// A preference index at this or more is named on the card.
pub const OVER_INDEX: f64 = 110.0;
/// Preferences named on a card at most.
pub const TOP_PREFERENCES: usize = 2;

/// One numeric column of the file, summed per segment over the clustered rows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ColumnBySegment {
    /// The column's index in the file.
    pub column: usize,
    pub name: String,
    /// Per segment: the sum of its filled cells.
    pub sums: Vec<f64>,
    /// Per segment: its filled cells.
    pub counts: Vec<usize>,
    /// Per segment: its missing (or unreadable) cells, left out of the sums.
    pub missing: Vec<usize>,
    /// The smallest value over the clustered rows (NaN when none).
    pub min: f64,
}

impl ColumnBySegment {
    pub fn total(&self) -> f64 {
        self.sums.iter().sum()
    }

    /// No negative value and something to share.
    pub fn non_negative(&self) -> bool {
        self.min >= 0.0 && self.total() > 0.0
    }

    /// Segment `s`'s mean ÷ all clustered customers' mean × 100.
    pub fn index(&self, s: usize) -> Option<f64> {
        let all = self.total() / self.counts.iter().sum::<usize>() as f64;
        let n = *self.counts.get(s)?;
        let mean = self.sums.get(s)? / n as f64;
        (self.min >= 0.0 && all > 0.0 && n > 0 && mean.is_finite()).then(|| mean / all * 100.0)
    }
}

/// The rule behind a suggested action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionRule {
    WinBack,
    RewardRetain,
    Onboard,
    Reactivate,
    Upsell,
    Grow,
    Maintain,
}

impl ActionRule {
    /// The page's `data-rule`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionRule::WinBack => "win-back",
            ActionRule::RewardRetain => "reward-retain",
            ActionRule::Onboard => "onboard",
            ActionRule::Reactivate => "reactivate",
            ActionRule::Upsell => "upsell",
            ActionRule::Grow => "grow",
            ActionRule::Maintain => "maintain",
        }
    }
}

/// A segment's suggested action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuggestedAction {
    pub rule: ActionRule,
    /// "Suggested: reward and retain — …".
    pub text: String,
}

/// One column's index in one segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Preference {
    pub column: usize,
    pub name: String,
    pub index: f64,
}

/// Each segment's shares of customers and of a value.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueShares {
    /// What the value is, for a sentence: "Monetary", "the total of MntWines, …".
    pub label: String,
    pub customers: Vec<f64>,
    pub value: Vec<f64>,
    /// Each segment's part of the total, in the data's units.
    pub sums: Vec<f64>,
    pub total: f64,
}

/// The user's choices for the value, the preferences and the actions (each `None` or empty:
/// the guess), sent with the summary export.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ValueChoice {
    /// File columns whose total is the value (one, or several).
    #[serde(default)]
    pub value_columns: Option<Vec<usize>>,
    /// File columns the preference indices are given for.
    #[serde(default)]
    pub preference_columns: Option<Vec<usize>>,
    /// The user's action per segment (empty: the suggestion).
    #[serde(default)]
    pub actions: Vec<String>,
}

/// Everything on value and preferences for one segmentation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SegmentValues {
    /// Clustered customers per segment.
    pub sizes: Vec<usize>,
    /// Every numeric column of the file, in file order.
    pub columns: Vec<ColumnBySegment>,
    /// The guessed value: file columns whose total it is (empty: none found).
    pub value_columns: Vec<usize>,
    pub value_reason: String,
    /// The guessed preference group (file columns; empty: none found).
    pub preference_columns: Vec<usize>,
    pub preference_reason: String,
    /// Per segment, from the guesses.
    pub actions: Vec<SuggestedAction>,
}

/// Sums every numeric column of the file per segment. `row_of[i]` is matrix row `i`'s row
/// in the file, `labels[i]` its segment (of `k`).
pub fn segment_values(profile: &TableProfile, row_of: &[usize], labels: &[usize], k: usize) -> SegmentValues {
    let mut sizes = vec![0usize; k];
    for &l in labels {
        if let Some(s) = sizes.get_mut(l) {
            *s += 1;
        }
    }
    let mut columns = Vec::new();
    for (c, (p, numbers)) in profile.columns.iter().zip(&profile.numbers).enumerate() {
        let Some(numbers) = numbers.as_ref().filter(|_| p.kind == ColumnKind::Numeric) else { continue };
        let mut col = ColumnBySegment {
            column: c,
            name: p.name.clone(),
            sums: vec![0.0; k],
            counts: vec![0; k],
            missing: vec![0; k],
            min: f64::INFINITY,
        };
        for (&row, &label) in row_of.iter().zip(labels) {
            let v = numbers.values.get(row).copied().unwrap_or(f64::NAN);
            if v.is_finite() {
                if let (Some(sum), Some(n)) = (col.sums.get_mut(label), col.counts.get_mut(label)) {
                    *sum += v;
                    *n += 1;
                    col.min = col.min.min(v);
                }
            } else if let Some(m) = col.missing.get_mut(label) {
                *m += 1;
            }
        }
        if !col.min.is_finite() {
            col.min = f64::NAN;
        }
        columns.push(col);
    }
    let (preference_columns, preference_reason) = guess_preferences(&columns);
    let (value_columns, value_reason) = guess_value(&columns, &preference_columns);
    let mut values =
        SegmentValues { sizes, columns, value_columns, value_reason, preference_columns, preference_reason, actions: Vec::new() };
    values.actions = values.actions(&values.value_columns, &values.preference_columns);
    values
}

/// A name's parts: `MntMeatProducts` → mnt, meat, products; `Detergents_Paper` →
/// detergents, paper.
fn tokens(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// First or last parts of a name that mark a column as money spent on something.
const SPEND_WORDS: [&str; 12] =
    ["mnt", "amt", "amount", "spend", "spent", "spending", "sales", "revenue", "expenditure", "expense", "cost", "value"];

/// Words that name a product line or a shop category (singular).
const CATEGORY_WORDS: [&str; 62] = [
    "wine",
    "fruit",
    "meat",
    "fish",
    "sweet",
    "gold",
    "fresh",
    "milk",
    "grocery",
    "groceries",
    "frozen",
    "detergent",
    "paper",
    "delicassen",
    "delicatessen",
    "deli",
    "dairy",
    "bakery",
    "bread",
    "produce",
    "beverage",
    "drink",
    "snack",
    "alcohol",
    "beer",
    "spirit",
    "tobacco",
    "household",
    "cleaning",
    "clothing",
    "clothes",
    "apparel",
    "fashion",
    "shoe",
    "footwear",
    "accessory",
    "accessories",
    "jewelry",
    "jewellery",
    "electronic",
    "electronics",
    "computer",
    "appliance",
    "furniture",
    "garden",
    "toy",
    "game",
    "book",
    "music",
    "movie",
    "beauty",
    "cosmetic",
    "health",
    "pharmacy",
    "sport",
    "outdoor",
    "pet",
    "baby",
    "travel",
    "food",
    "vegetable",
    "seafood",
];

fn is_category_word(token: &str) -> bool {
    let singular = token.strip_suffix('s').unwrap_or(token);
    CATEGORY_WORDS.contains(&token) || CATEGORY_WORDS.contains(&singular)
}

/// The group of product or category spend columns, with the reason (see the module doc).
pub fn guess_preferences(columns: &[ColumnBySegment]) -> (Vec<usize>, String) {
    let candidates: Vec<(&ColumnBySegment, Vec<String>)> = columns
        .iter()
        .filter(|c| c.non_negative() && !matches!(role(&c.name), Role::Recency | Role::Income))
        .map(|c| (c, tokens(&c.name)))
        .collect();
    // A spend word as the first (or last) part of three or more names.
    let mut best: Option<(String, Vec<usize>)> = None;
    for word in SPEND_WORDS {
        for first in [true, false] {
            let group: Vec<usize> = candidates
                .iter()
                .filter(|(_, t)| t.len() >= 2 && if first { t.first() } else { t.last() }.is_some_and(|x| x == word))
                .map(|(c, _)| c.column)
                .collect();
            if group.len() >= 3 && best.as_ref().is_none_or(|(_, b)| group.len() > b.len()) {
                best = Some((word.to_owned(), group));
            }
        }
    }
    let name_of = |c: usize| columns.iter().find(|x| x.column == c).map_or("", |x| x.name.as_str());
    if let Some((word, group)) = best {
        let names: Vec<&str> = group.iter().map(|&c| name_of(c)).collect();
        return (group.clone(), format!("{} columns whose names share “{word}”: {}", group.len(), names.join(", ")));
    }
    let group: Vec<usize> = candidates.iter().filter(|(_, t)| t.iter().any(|w| is_category_word(w))).map(|(c, _)| c.column).collect();
    if group.len() >= 3 {
        let names: Vec<&str> = group.iter().map(|&c| name_of(c)).collect();
        return (group.clone(), format!("{} columns named after products or categories: {}", group.len(), names.join(", ")));
    }
    (Vec::new(), "no group of 3 or more product or category spend columns found; mark them to see preferences".to_owned())
}

/// Money words in the order they are preferred for the value.
const VALUE_WORDS: [&str; 10] = ["monetary", "spend", "spent", "revenue", "sales", "total", "amount", "value", "mnt", "basket"];
/// Words that make a money-like name a rate, a score or a price, not an amount to share.
const NOT_VALUE_WORDS: [&str; 9] = ["score", "rating", "rank", "avg", "average", "mean", "per", "price", "index"];

/// The value column(s), with the reason (see the module doc).
pub fn guess_value(columns: &[ColumnBySegment], preferences: &[usize]) -> (Vec<usize>, String) {
    let usable = |c: &&ColumnBySegment| c.non_negative() && !tokens(&c.name).iter().any(|t| NOT_VALUE_WORDS.contains(&t.as_str()));
    let money =
        columns.iter().filter(usable).filter(|c| role(&c.name) == Role::Money && !preferences.contains(&c.column)).min_by_key(|c| {
            let n = c.name.to_ascii_lowercase();
            VALUE_WORDS.iter().position(|w| n.contains(w)).unwrap_or(VALUE_WORDS.len())
        });
    if let Some(c) = money {
        return (vec![c.column], format!("“{}”: its name says money", c.name));
    }
    if preferences.len() >= 2 {
        return (preferences.to_vec(), format!("no single spend column: the total of the {} spend columns", preferences.len()));
    }
    if let Some(c) = columns.iter().filter(usable).find(|c| role(&c.name) == Role::Income) {
        return (vec![c.column], format!("no spend column: “{}” (income, not spend)", c.name));
    }
    (Vec::new(), "no column looks like money; pick one".to_owned())
}

/// A spend column's name as words for a sentence: `MntMeatProducts` → "meat products",
/// `MntGoldProds` → "gold products", `Detergents_Paper` → "detergents paper".
fn product_words(name: &str) -> String {
    let words = short_name_and_unit(name).0;
    words.split(' ').map(|w| if w == "prods" { "products" } else { w }).collect::<Vec<_>>().join(" ")
}

/// An index as a multiple: `150` → "1.5×", `200` → "2.0×".
fn times(index: f64) -> String {
    format!("{:.1}×", index / 100.0)
}

/// Segment `s`'s share in words as the chart shows it (`rounded` from [`rounded_percents`]):
/// "41%", or "<1%" for a sliver shown as 0%.
fn percent(shares: &[f64], rounded: &[u32], s: usize) -> String {
    match (shares.get(s), rounded.get(s)) {
        (Some(&v), Some(0)) if v > 0.0 => "<1%".to_owned(),
        (_, Some(p)) => format!("{p}%"),
        _ => String::new(),
    }
}

impl SegmentValues {
    pub fn column(&self, c: usize) -> Option<&ColumnBySegment> {
        self.columns.iter().find(|x| x.column == c)
    }

    pub fn n_segments(&self) -> usize {
        self.sizes.len()
    }

    /// The user's choices where given, else the guesses; columns that do not exist dropped.
    pub fn resolve(&self, choice: &ValueChoice) -> (Vec<usize>, Vec<usize>) {
        let keep = |v: &[usize]| v.iter().copied().filter(|&c| self.column(c).is_some()).collect::<Vec<_>>();
        (
            keep(choice.value_columns.as_deref().unwrap_or(&self.value_columns)),
            keep(choice.preference_columns.as_deref().unwrap_or(&self.preference_columns)),
        )
    }

    /// What the value is: "Monetary", or "the total of A, B and C".
    pub fn value_label(&self, value: &[usize]) -> String {
        let names: Vec<&str> = value.iter().filter_map(|&c| self.column(c)).map(|c| c.name.as_str()).collect();
        match names.as_slice() {
            [] => String::new(),
            [one] => (*one).to_owned(),
            [rest @ .., last] => format!("the total of {} and {last}", rest.join(", ")),
        }
    }

    /// A short word for the value in sentences: "spend" for a total, else the column's short name.
    pub fn value_word(&self, value: &[usize]) -> String {
        match value {
            [one] => self.column(*one).map(|c| short_name_and_unit(&c.name).0).unwrap_or_default(),
            [] => String::new(),
            _ => "spend".to_owned(),
        }
    }

    /// Each segment's share of the customers and of the value's total; `None` without a
    /// value or when it has negative values or nothing to share.
    pub fn shares(&self, value: &[usize]) -> Option<ValueShares> {
        let cols: Vec<&ColumnBySegment> = value.iter().filter_map(|&c| self.column(c)).collect();
        if cols.is_empty() || cols.iter().any(|c| c.min < 0.0) {
            return None;
        }
        let k = self.n_segments();
        let sums: Vec<f64> = (0..k).map(|s| cols.iter().map(|c| c.sums.get(s).copied().unwrap_or(0.0)).sum()).collect();
        let total: f64 = sums.iter().sum();
        let n: usize = self.sizes.iter().sum();
        if !total.is_finite() || total <= 0.0 || n == 0 {
            return None;
        }
        Some(ValueShares {
            label: self.value_label(value),
            customers: self.sizes.iter().map(|&x| x as f64 / n as f64).collect(),
            value: sums.iter().map(|v| v / total).collect(),
            sums,
            total,
        })
    }

    /// Segment `s`'s indices over `columns`, highest first (columns without one left out).
    pub fn preferences(&self, s: usize, columns: &[usize]) -> Vec<Preference> {
        let mut out: Vec<Preference> = columns
            .iter()
            .filter_map(|&c| self.column(c))
            .filter_map(|c| Some(Preference { column: c.column, name: c.name.clone(), index: c.index(s)? }))
            .collect();
        out.sort_by(|a, b| b.index.total_cmp(&a.index));
        out
    }

    /// "Buys 2.4× more wines and 1.8× more meat products than average." (or, when nothing is
    /// over-indexed, the closest), `None` without preference columns.
    pub fn preference_sentence(&self, s: usize, columns: &[usize]) -> Option<String> {
        let prefs = self.preferences(s, columns);
        let top = prefs.first()?;
        let over: Vec<String> = prefs
            .iter()
            .filter(|p| p.index >= OVER_INDEX)
            .take(TOP_PREFERENCES)
            .map(|p| format!("{} more {}", times(p.index), product_words(&p.name)))
            .collect();
        Some(if over.is_empty() {
            format!("No category stands out; the highest is {} at {} the average.", product_words(&top.name), times(top.index))
        } else {
            format!("Buys {} than average.", over.join(" and "))
        })
    }

    /// The index of the first column of `role` (recency, income), or the mean index of all
    /// columns of that role (frequency), in segment `s`.
    fn role_index(&self, s: usize, wanted: Role, all: bool, except: &[usize]) -> Option<f64> {
        let indices: Vec<f64> =
            self.columns.iter().filter(|c| !except.contains(&c.column) && role(&c.name) == wanted).filter_map(|c| c.index(s)).collect();
        if all {
            (!indices.is_empty()).then(|| indices.iter().sum::<f64>() / indices.len() as f64)
        } else {
            indices.first().copied()
        }
    }

    /// Each segment's suggested action from the value `value` and preferences `prefs`.
    pub fn actions(&self, value: &[usize], prefs: &[usize]) -> Vec<SuggestedAction> {
        let shares = self.shares(value);
        let word = self.value_word(value);
        // The percentages the chart shows (they add to 100).
        let (cp, vp) = shares.as_ref().map_or_else(Default::default, |sh| (rounded_percents(&sh.customers), rounded_percents(&sh.value)));
        // An income column as the value (no spend column in the file) says what customers
        // earn, not what they spend: the spending side is then read from the spend-like
        // columns (a spending score), and the value's ratio is the income index.
        let value_is_income =
            !value.is_empty() && value.iter().all(|&c| self.columns.iter().any(|col| col.column == c && role(&col.name) == Role::Income));
        (0..self.n_segments())
            .map(|s| {
                let share_ratio = shares.as_ref().and_then(|sh| {
                    let c = *sh.customers.get(s)?;
                    (c > 0.0).then(|| sh.value.get(s).copied().unwrap_or(0.0) / c)
                });
                let (ratio, income) = if value_is_income {
                    (self.role_index(s, Role::Money, true, value).map(|i| i / 100.0), share_ratio.map(|r| r * 100.0))
                } else {
                    (share_ratio, self.role_index(s, Role::Income, false, value))
                };
                let recency = self.role_index(s, Role::Recency, false, value);
                let frequency = self.role_index(s, Role::Frequency, true, value);
                let top = self
                    .preferences(s, prefs)
                    .into_iter()
                    .next()
                    .filter(|p| p.index >= OVER_INDEX)
                    .map(|p| format!(", featuring {}", product_words(&p.name)))
                    .unwrap_or_default();
                action(
                    Profile {
                        ratio,
                        recency,
                        frequency,
                        income,
                        share_text: shares.as_ref().map(|sh| {
                            format!("{} of {word} from {} of customers", percent(&sh.value, &vp, s), percent(&sh.customers, &cp, s))
                        }),
                    },
                    &top,
                )
            })
            .collect()
    }
}

/// What the action rules read of one segment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Profile {
    /// Value per customer ÷ the average (share of value ÷ share of customers).
    pub ratio: Option<f64>,
    /// Indices (× 100) of recency, purchase counts and income.
    pub recency: Option<f64>,
    pub frequency: Option<f64>,
    pub income: Option<f64>,
    /// "41% of spend from 20% of customers".
    pub share_text: Option<String>,
}

/// The first rule of the module doc's table that fits; `top` is ", featuring wines" or empty.
pub fn action(p: Profile, top: &str) -> SuggestedAction {
    let high_value = p.ratio.is_some_and(|r| r >= HIGH);
    let low_value = p.ratio.is_some_and(|r| r <= LOW);
    let lapsed = p.recency.is_some_and(|r| r >= 100.0 * HIGH);
    let recent = p.recency.is_some_and(|r| r <= 100.0 * LOW);
    let few = p.frequency.is_some_and(|f| f <= 100.0 * LOW);
    let high_income = p.income.is_some_and(|i| i >= 100.0 * HIGH);
    let why = p.share_text.map(|t| format!(" ({t})")).unwrap_or_default();
    let (rule, text) = if high_value && lapsed {
        (ActionRule::WinBack, format!("win back — a personal offer{top} before they leave for good; they were worth a lot{why}."))
    } else if high_value {
        (ActionRule::RewardRetain, format!("reward and retain — loyalty perks and early access{top}{why}."))
    } else if recent && few {
        (ActionRule::Onboard, format!("onboard — a welcome series and a second-purchase offer{top}; they are new (recent, few purchases)."))
    } else if low_value && lapsed {
        (ActionRule::Reactivate, format!("low-cost reactivation (email, no paid media), or leave out of paid campaigns{why}."))
    } else if low_value && high_income {
        (ActionRule::Upsell, format!("upsell — premium lines or bundles{top}; they earn more than average but spend less{why}."))
    } else if low_value {
        (ActionRule::Grow, format!("grow with cross-sell offers{top} at a low cost per contact{why}."))
    } else {
        (ActionRule::Maintain, format!("keep in regular campaigns{top}; watch for movement{why}."))
    };
    SuggestedAction { rule, text: format!("Suggested: {text}") }
}

/// Percentages rounded so that they add to exactly 100 (largest remainder), for labels.
pub fn rounded_percents(shares: &[f64]) -> Vec<u32> {
    let total: f64 = shares.iter().filter(|v| v.is_finite()).sum();
    if !total.is_finite() || total <= 0.0 {
        return vec![0; shares.len()];
    }
    let exact: Vec<f64> = shares.iter().map(|v| if v.is_finite() { v / total * 100.0 } else { 0.0 }).collect();
    let mut out: Vec<u32> = exact.iter().map(|v| v.floor() as u32).collect();
    let short = 100u32.saturating_sub(out.iter().sum());
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact.get(a).map_or(0.0, |v| v - v.floor());
        let rb = exact.get(b).map_or(0.0, |v| v - v.floor());
        rb.total_cmp(&ra)
    });
    for &i in order.iter().take(short as usize) {
        if let Some(v) = out.get_mut(i) {
            *v += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests;
