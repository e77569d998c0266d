//! Clusters → segments a marketer can use: a plain-words name built from how each centre
//! differs from the whole ("High income · high spending → High-value customers"), and the
//! numbers in the data's own units.
//!
//! Owns the wording. A feature's level in a segment is its segment mean's distance from the
//! overall mean in overall standard deviations (z): below 0.5 in size it is "average" and
//! not named; beyond, "high" or "low" (the card gives the numbers). The two features
//! that stand out most name the segment; a few recognisable patterns (money and frequency,
//! income and spending, recency) add a persona after the arrow.

use serde::{Deserialize, Serialize};

/// One feature's statistics in one segment, in the data's own units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureInSegment {
    pub mean: f64,
    pub median: f64,
    /// Five-number summary for the distribution chart: min, q1, median, q3, max.
    #[serde(default)]
    pub five: [f64; 5],
    /// (segment mean − overall mean) / overall standard deviation.
    pub z: f64,
}

/// A named, described segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentDescription {
    /// 0-based cluster.
    pub index: usize,
    /// "High income · high spending → High-value customers".
    pub name: String,
    /// The words before the arrow: how the segment differs.
    pub traits: String,
    /// The persona after the arrow, when a pattern fits.
    pub persona: Option<String>,
    pub size: usize,
    /// Share of the clustered rows, 0..=1.
    pub share: f64,
    pub features: Vec<FeatureInSegment>,
    /// One or two sentences for the card.
    pub summary: String,
    /// A segment of very few customers: what makes them special, and what to do.
    #[serde(default)]
    pub caution: Option<String>,
}

/// The whole's statistics per feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverallFeature {
    pub name: String,
    pub mean: f64,
    pub median: f64,
    pub std: f64,
}

/// What a feature measures, guessed from its name, for the personas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Money,
    Frequency,
    Recency,
    Income,
    Other,
}

/// Shared with [`super::value`] (money, recency, frequency and income columns).
pub(crate) fn role(name: &str) -> Role {
    let n = name.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| n.contains(w));
    if has(&["recency", "days since", "since last", "last purchase", "days_since"]) {
        Role::Recency
    } else if has(&["income", "salary", "earning"]) {
        Role::Income
    } else if has(&["spend", "monetary", "amount", "revenue", "sales", "mnt", "basket", "value", "total", "price"]) {
        Role::Money
    } else if has(&["frequency", "visit", "purchases", "orders", "num", "count", "transactions"]) {
        Role::Frequency
    } else {
        Role::Other
    }
}

/// `Annual Income (k$)` → (`annual income`, `k$`).
pub fn short_name_and_unit(name: &str) -> (String, Option<String>) {
    let trimmed = name.trim();
    let (base, unit) = match (trimmed.rfind('('), trimmed.ends_with(')')) {
        (Some(open), true) => {
            (trimmed.get(..open).unwrap_or(trimmed).trim(), trimmed.get(open + 1..trimmed.len() - 1).map(|u| u.trim().to_owned()))
        }
        _ => (trimmed, None),
    };
    let words = base.replace(['_', '-'], " ");
    // `MntWines` → `mnt wines`: split camel case so names read as words.
    let mut spaced = String::with_capacity(words.len() + 4);
    let mut previous_lower = false;
    for c in words.chars() {
        if c.is_uppercase() && previous_lower {
            spaced.push(' ');
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        spaced.extend(c.to_lowercase());
    }
    let unit = unit.filter(|u| !u.is_empty() && !u.chars().all(|c| c.is_ascii_digit() || c == '-'));
    let words: Vec<&str> = spaced.split_whitespace().collect();
    // "Annual Income" → "income", "Spending Score" → "spending", "MntWines" → "wines":
    // qualifiers that say nothing about what differs are dropped (unless nothing is left).
    let kept: Vec<&str> = words.iter().copied().filter(|w| !FILLER_WORDS.contains(w)).collect();
    let words = if kept.is_empty() { words } else { kept };
    (words.join(" "), unit)
}

/// Words left out of a feature's short name.
const FILLER_WORDS: [&str; 10] = ["annual", "score", "amount", "total", "avg", "average", "number", "num", "mnt", "of"];

/// The word for a feature's level in a name; the summary gives the numbers.
fn level(z: f64) -> Option<&'static str> {
    match z {
        z if z >= 0.5 => Some("high"),
        z if z <= -0.5 => Some("low"),
        _ => None,
    }
}

/// How a role stands in a segment: +1 high, −1 low, 0 average or absent.
fn direction(features: &[FeatureInSegment], roles: &[Role], role: Role) -> i8 {
    let zs: Vec<f64> = features.iter().zip(roles).filter(|(_, r)| **r == role).map(|(f, _)| f.z).collect();
    if zs.is_empty() {
        return 0;
    }
    let mean = zs.iter().sum::<f64>() / zs.len() as f64;
    if mean >= 0.5 {
        1
    } else if mean <= -0.5 {
        -1
    } else {
        0
    }
}

fn persona(features: &[FeatureInSegment], roles: &[Role]) -> Option<&'static str> {
    let money = direction(features, roles, Role::Money);
    let frequency = direction(features, roles, Role::Frequency);
    let recency = direction(features, roles, Role::Recency);
    let income = direction(features, roles, Role::Income);
    // Recency, frequency and money together: the RFM words analysts use. Recency is days
    // since the last purchase, so "low" recency is a recent customer.
    if roles.contains(&Role::Recency) && (roles.contains(&Role::Frequency) || roles.contains(&Role::Money)) {
        let engaged = frequency.max(money);
        return if recency == 1 {
            Some(if engaged == 1 { "At risk" } else { "Hibernating" })
        } else if engaged == 1 {
            Some(if recency == -1 && frequency == 1 && money == 1 { "Champions" } else { "Loyal customers" })
        } else if recency == -1 {
            Some("New customers")
        } else if frequency == -1 || money == -1 {
            Some("About to sleep")
        } else {
            None
        };
    }
    // Spending against income first: it is what tells "careful high earners" from
    // "occasional shoppers" when both spend little and come rarely.
    match (money, frequency, recency, income) {
        (1, _, _, -1) => Some("Big spenders on a budget"),
        (-1, _, _, 1) => Some("Careful high earners"),
        (1, _, -1 | 0, 1) | (1, 1, -1 | 0, _) => Some("High-value customers"),
        (-1, _, _, -1) => Some("Budget-conscious customers"),
        (_, _, 1, _) if frequency <= 0 => Some("Lapsed customers"),
        (-1 | 0, -1, _, _) => Some("Occasional shoppers"),
        (1, _, _, _) => Some("Big spenders"),
        (0, 1, _, _) => Some("Frequent visitors"),
        _ => None,
    }
}

fn format_number(v: f64) -> String {
    super::clean::format_value((v * 100.0).round() / 100.0)
}

/// Names and describes every segment. `means[s][f]` and `medians[s][f]` are segment `s`'s
/// statistics of feature `f` in the data's own units; `sizes[s]` its rows.
pub fn describe_segments(
    overall: &[OverallFeature],
    means: &[Vec<f64>],
    fives: &[Vec<[f64; 5]>],
    sizes: &[usize],
) -> Vec<SegmentDescription> {
    let roles: Vec<Role> = overall.iter().map(|f| role(&f.name)).collect();
    // Features from the most separating (η²) to the least.
    let order: Vec<usize> = separation(overall, means, sizes).iter().map(|s| s.feature).collect();
    let total: usize = sizes.iter().sum::<usize>().max(1);
    let mut out: Vec<SegmentDescription> = Vec::with_capacity(sizes.len());
    for (index, &size) in sizes.iter().enumerate() {
        let features: Vec<FeatureInSegment> = overall
            .iter()
            .enumerate()
            .map(|(f, o)| {
                let mean = means.get(index).and_then(|m| m.get(f)).copied().unwrap_or(f64::NAN);
                let five = fives.get(index).and_then(|m| m.get(f)).copied().unwrap_or([f64::NAN; 5]);
                let z = if o.std > 0.0 && mean.is_finite() { (mean - o.mean) / o.std } else { 0.0 };
                FeatureInSegment { mean, median: five[2], five, z }
            })
            .collect();
        // A one-hot feature ("Genre = Female") is a trait only when the segment has more of
        // that category than the whole: "few Male" would say the same as "mostly Female".
        let counts = |f: usize| {
            let Some(x) = features.get(f) else {
                return false;
            };
            let one_hot = overall.get(f).is_some_and(|o| o.name.contains(" = "));
            level(x.z).is_some() && (!one_hot || x.z > 0.0)
        };
        let mut ranked: Vec<usize> = (0..features.len()).filter(|&f| counts(f)).collect();
        ranked.sort_by(|&a, &b| {
            let za = features.get(a).map_or(0.0, |x| x.z.abs());
            let zb = features.get(b).map_or(0.0, |x| x.z.abs());
            zb.total_cmp(&za)
        });
        // The two features that stand out most, the one that separates the segments more
        // (η²) named first.
        let mut chosen: Vec<usize> = ranked.iter().take(2).copied().collect();
        chosen.sort_by_key(|f| order.iter().position(|o| o == f).unwrap_or(usize::MAX));
        let trait_words: Vec<String> = chosen
            .iter()
            .filter_map(|&f| {
                let z = features.get(f)?.z;
                let word = level(z)?;
                let name = &overall.get(f)?.name;
                if let Some((_, value)) = name.split_once(" = ") {
                    return Some(format!("mostly {value}"));
                }
                let (short, _) = short_name_and_unit(name);
                // People are "older" or "younger", not "high age"; recency counts days since
                // the last purchase, so "low recency" would read backwards.
                if short == "age" {
                    return Some(if z > 0.0 { "older".to_owned() } else { "younger".to_owned() });
                }
                if role(name) == Role::Recency {
                    return Some(if z > 0.0 { "long since last purchase".to_owned() } else { "bought recently".to_owned() });
                }
                Some(format!("{word} {short}"))
            })
            .collect();
        let traits = if trait_words.is_empty() {
            "Close to average on every feature".to_owned()
        } else {
            let joined = trait_words.join(" · ");
            let mut chars = joined.chars();
            chars.next().map_or(String::new(), |c| c.to_uppercase().collect::<String>() + chars.as_str())
        };
        let persona = if trait_words.is_empty() { Some(MIDDLE) } else { persona(&features, &roles) };
        let name = match persona {
            Some(p) if !trait_words.is_empty() => format!("{traits} → {p}"),
            Some(p) => p.to_owned(),
            None => traits.clone(),
        };
        let share = size as f64 / total as f64;
        let numbers: Vec<String> = ranked
            .iter()
            .take(3)
            .filter_map(|&f| {
                let x = features.get(f)?;
                let o = overall.get(f)?;
                let (short, unit) = short_name_and_unit(&o.name);
                let unit = unit.map(|u| format!(" {u}")).unwrap_or_default();
                Some(format!("{short} averages {}{unit} (all customers: {}{unit})", format_number(x.mean), format_number(o.mean)))
            })
            .collect();
        let summary = if numbers.is_empty() {
            format!("{size} customers ({:.1}%), close to the average on every feature.", share * 100.0)
        } else {
            format!("{size} customers ({:.1}%). Here {}.", share * 100.0, numbers.join("; "))
        };
        out.push(SegmentDescription {
            index,
            name,
            traits,
            persona: persona.map(str::to_owned),
            size,
            share,
            features,
            summary,
            caution: None,
        });
    }
    name_the_middle(&mut out);
    unique_personas(&mut out, &roles);
    qualify_equal_names(&mut out, overall);
    out
}

/// Below this |z| on every feature a segment is close to the whole.
const MILD: f64 = 0.75;

/// The segment closest to the whole (least sum of squared z), when no feature sets it
/// more than [`MILD`] apart and no persona fits it, is the "Middle of the pack", its mild traits after a dot
/// ("Middle of the pack · younger"). Only one segment: with every segment mild the data has
/// no middle to speak of, just weak differences, which the traits say.
fn name_the_middle(out: &mut [SegmentDescription]) {
    if out.len() < 3 {
        return;
    }
    let distance = |s: &SegmentDescription| s.features.iter().map(|f| f.z * f.z).filter(|v| v.is_finite()).sum::<f64>();
    let Some(middle) = out.iter_mut().filter(|s| s.size > 0).min_by(|a, b| distance(a).total_cmp(&distance(b))) else {
        return;
    };
    if middle.persona.is_some() || middle.features.iter().any(|f| f.z.abs() >= MILD) {
        return;
    }
    let mut traits = middle.traits.chars();
    let lowered = traits.next().map_or(String::new(), |c| c.to_lowercase().collect::<String>() + traits.as_str());
    middle.name = format!("{MIDDLE} · {lowered}");
    middle.persona = Some(MIDDLE.to_owned());
}

/// A persona names one segment: where several got the same, it stays with the one that
/// fits it most (the largest |z| summed over the features the personas read: money,
/// frequency, recency, income) and the others are named by their traits alone.
fn unique_personas(out: &mut [SegmentDescription], roles: &[Role]) {
    let evidence = |s: &SegmentDescription| {
        s.features.iter().zip(roles).filter(|(_, r)| **r != Role::Other).map(|(f, _)| f.z.abs()).filter(|v| v.is_finite()).sum::<f64>()
    };
    for i in 0..out.len() {
        let Some(persona) = out.get(i).and_then(|s| s.persona.clone()) else { continue };
        if persona == MIDDLE {
            continue;
        }
        let group: Vec<usize> = (0..out.len()).filter(|&j| out.get(j).is_some_and(|s| s.persona.as_deref() == Some(&persona))).collect();
        let Some(&keep) = group.iter().max_by(|&&a, &&b| {
            let (ea, eb) = (out.get(a).map_or(0.0, evidence), out.get(b).map_or(0.0, evidence));
            ea.total_cmp(&eb).then(b.cmp(&a))
        }) else {
            continue;
        };
        for &j in group.iter().filter(|&&j| j != keep) {
            if let Some(s) = out.get_mut(j) {
                s.persona = None;
                s.name = s.traits.clone();
            }
        }
    }
}

/// The name of a segment close to the average on every feature.
pub const MIDDLE: &str = "Middle of the pack";

/// Segments that came out with the same name are told apart by the feature on which they
/// differ most (the widest spread of z among them, not already in their names): each gets
/// how it stands on it ("· older", "· lower income"). Any still equal are numbered.
fn qualify_equal_names(out: &mut [SegmentDescription], overall: &[OverallFeature]) {
    let mut seen: Vec<String> = Vec::new();
    for i in 0..out.len() {
        let Some(name) = out.get(i).map(|s| s.name.clone()) else { continue };
        if seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        let group: Vec<usize> = (0..out.len()).filter(|&j| out.get(j).is_some_and(|s| s.name == name)).collect();
        if group.len() < 2 {
            continue;
        }
        let lower = name.to_lowercase();
        let spread = |f: usize| {
            let zs = group.iter().filter_map(|&j| out.get(j)?.features.get(f).map(|x| x.z));
            let (lo, hi) = zs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), z| (lo.min(z), hi.max(z)));
            hi - lo
        };
        let best = (0..overall.len())
            .filter(|&f| overall.get(f).is_some_and(|o| !lower.contains(&short_name_and_unit(&o.name).0) && !o.name.contains(" = ")))
            .max_by(|&a, &b| spread(a).total_cmp(&spread(b)));
        if let Some(f) = best.filter(|&f| spread(f) > 0.0) {
            for &j in &group {
                if let (Some(s), Some(o)) = (out.get_mut(j), overall.get(f)) {
                    let z = s.features.get(f).map_or(0.0, |x| x.z);
                    let word = qualifier(&o.name, z);
                    s.name = match s.name.split_once(" → ") {
                        Some((traits, persona)) => format!("{traits} · {word} → {persona}"),
                        None => format!("{} · {word}", s.name),
                    };
                }
            }
        }
        // Still equal (no feature tells them apart): numbered.
        for &j in &group {
            let Some(n) = out.get(j).map(|s| s.name.clone()) else { continue };
            let same: Vec<usize> = group.iter().copied().filter(|&x| out.get(x).is_some_and(|s| s.name == n)).collect();
            if same.len() > 1 {
                for (rank, &x) in same.iter().enumerate() {
                    if let Some(s) = out.get_mut(x) {
                        s.name = format!("{n} ({})", rank + 1);
                    }
                }
            }
        }
    }
}

/// How a segment stands on one feature, in a few words, at any z: "high income" beyond
/// half a standard deviation, else "higher income" or "lower income" (ages: "older",
/// "younger"; recency: "bought recently", "long since last purchase").
fn qualifier(name: &str, z: f64) -> String {
    let (short, _) = short_name_and_unit(name);
    if short == "age" {
        return if z > 0.0 { "older".to_owned() } else { "younger".to_owned() };
    }
    if role(name) == Role::Recency {
        return if z > 0.0 { "long since last purchase".to_owned() } else { "bought recently".to_owned() };
    }
    match level(z) {
        Some(word) => format!("{word} {short}"),
        None if z > 0.0 => format!("higher {short}"),
        None => format!("lower {short}"),
    }
}

/// How much a feature separates the segments: the share of its variance explained by
/// them (η² of a one-way ANOVA, between-segment over total sum of squares) and the F
/// statistic, as Tableau's "Describe clusters" gives them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSeparation {
    /// Index into the segmentation's features.
    pub feature: usize,
    pub name: String,
    /// 0..=1.
    pub eta2: f64,
    /// `(SSB / (k − 1)) / (SSW / (n − k))`; `None` when undefined (one segment, as many
    /// segments as rows, or no spread within segments).
    pub f: Option<f64>,
}

/// Below this η² a feature "barely differs between segments".
pub const BARELY_SEPARATES: f64 = 0.05;

/// η² and F of each feature from the segments' means and sizes and the whole's mean and
/// (population) standard deviation, sorted by η², largest first.
pub fn separation(overall: &[OverallFeature], means: &[Vec<f64>], sizes: &[usize]) -> Vec<FeatureSeparation> {
    let n: usize = sizes.iter().sum();
    let k = sizes.iter().filter(|&&s| s > 0).count();
    let mut out: Vec<FeatureSeparation> = overall
        .iter()
        .enumerate()
        .map(|(f, o)| {
            let total = o.std * o.std * n as f64;
            let between: f64 = sizes
                .iter()
                .enumerate()
                .filter(|&(_, &size)| size > 0)
                .map(|(s, &size)| {
                    let m = means.get(s).and_then(|m| m.get(f)).copied().unwrap_or(o.mean);
                    size as f64 * (m - o.mean) * (m - o.mean)
                })
                .sum();
            let eta2 = if total > 0.0 && between.is_finite() { (between / total).clamp(0.0, 1.0) } else { 0.0 };
            let within = (total - between).max(0.0);
            let f_stat = (k > 1 && n > k && within > 0.0).then(|| (between / (k - 1) as f64) / (within / (n - k) as f64));
            FeatureSeparation { feature: f, name: o.name.clone(), eta2, f: f_stat }
        })
        .collect();
    out.sort_by(|a, b| b.eta2.total_cmp(&a.eta2));
    out
}

/// One sentence on what separates the segments: the leading feature, and the features that
/// barely differ between them. `None` without features.
pub fn separation_sentence(separation: &[FeatureSeparation]) -> Option<String> {
    let first = separation.first()?;
    let (lead, _) = short_name_and_unit(&first.name);
    let mut sentence =
        format!("{} separates the segments most ({:.0}% of its variance lies between them)", capitalised(&lead), 100.0 * first.eta2);
    let flat: Vec<String> =
        separation.get(1..).unwrap_or(&[]).iter().filter(|s| s.eta2 < BARELY_SEPARATES).map(|s| short_name_and_unit(&s.name).0).collect();
    match flat.as_slice() {
        [] => sentence.push('.'),
        [one] => sentence.push_str(&format!("; {one} barely differs between segments.")),
        many => sentence.push_str(&format!("; {} barely differ between segments.", many.join(", "))),
    }
    Some(sentence)
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or(String::new(), |c| c.to_uppercase().collect::<String>() + chars.as_str())
}

/// Segments under 1% of the clustered rows, or of fewer than 5 customers, are flagged:
/// usually a few extreme values (outliers) rather than a group worth a campaign. The
/// caution names the feature that sets them furthest apart, with its value.
pub fn tiny_segment_caution(segment: &SegmentDescription, overall: &[OverallFeature], n_clustered: usize) -> Option<String> {
    if segment.size == 0 || (segment.size >= 5 && segment.size * 100 >= n_clustered) {
        return None;
    }
    let (feature, stats) =
        overall.iter().zip(&segment.features).filter(|(_, f)| f.z.is_finite()).max_by(|a, b| a.1.z.abs().total_cmp(&b.1.z.abs()))?;
    let who = if segment.size == 1 { "1 customer".to_owned() } else { format!("{} customers", segment.size) };
    let value = if segment.size == 1 {
        format!("{} {}", feature.name, fmt(stats.mean))
    } else {
        format!("{} averaging {}", feature.name, fmt(stats.mean))
    };
    Some(format!(
        "{who} ({:.1}% of those clustered) with {value} (all customers: median {}): an outlier? \
         Check those rows, clip outliers under Cleaning, or choose a smaller k",
        100.0 * segment.size as f64 / n_clustered.max(1) as f64,
        fmt(feature.median)
    ))
}

fn fmt(v: f64) -> String {
    if v.abs() >= 1e7 {
        format!("{v:.3e}")
    } else {
        super::clean::format_value(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fives(medians: &[Vec<f64>]) -> Vec<Vec<[f64; 5]>> {
        medians.iter().map(|m| m.iter().map(|&v| [v, v, v, v, v]).collect()).collect()
    }

    fn overall() -> Vec<OverallFeature> {
        vec![
            OverallFeature { name: "Annual Income (k$)".into(), mean: 60.0, median: 60.0, std: 26.0 },
            OverallFeature { name: "Spending Score (1-100)".into(), mean: 50.0, median: 50.0, std: 25.0 },
        ]
    }

    #[test]
    fn names_come_from_how_the_centre_differs_from_the_whole() {
        let means = vec![vec![87.0, 82.0], vec![26.0, 79.0], vec![55.0, 49.0], vec![88.0, 17.0], vec![26.0, 20.0]];
        let medians = means.clone();
        let d = describe_segments(&overall(), &means, &fives(&medians), &[39, 22, 81, 35, 23]);
        // Spending separates these segments more than income (η²): it is named first.
        assert_eq!(d[0].name, "High spending · high income → High-value customers");
        assert_eq!(d[1].name, "High spending · low income → Big spenders on a budget");
        assert_eq!(d[2].name, "Middle of the pack");
        assert_eq!(d[3].name, "Low spending · high income → Careful high earners");
        assert_eq!(d[4].persona.as_deref(), Some("Budget-conscious customers"));
        assert!((d[0].features[0].z - 27.0 / 26.0).abs() < 1e-12);
        assert_eq!(
            d[0].summary,
            "39 customers (19.5%). Here spending averages 82 (all customers: 50); income averages 87 k$ (all customers: 60 k$)."
        );
    }

    #[test]
    fn units_come_from_the_header_and_ranges_are_not_units() {
        assert_eq!(short_name_and_unit("Annual Income (k$)"), ("income".into(), Some("k$".into())));
        assert_eq!(short_name_and_unit("Spending Score (1-100)"), ("spending".into(), None));
        assert_eq!(short_name_and_unit("MntWines"), ("wines".into(), None));
        assert_eq!(short_name_and_unit("NumWebPurchases"), ("web purchases".into(), None));
        assert_eq!(short_name_and_unit("Score"), ("score".into(), None));
        assert_eq!(short_name_and_unit("Detergents_Paper"), ("detergents paper".into(), None));
    }

    #[test]
    fn rfm_like_features_get_rfm_personas() {
        let overall = vec![
            OverallFeature { name: "Recency".into(), mean: 90.0, median: 50.0, std: 100.0 },
            OverallFeature { name: "Frequency".into(), mean: 4.0, median: 2.0, std: 5.0 },
            OverallFeature { name: "Monetary".into(), mean: 1500.0, median: 600.0, std: 3000.0 },
        ];
        let means = vec![vec![250.0, 1.2, 300.0], vec![15.0, 14.0, 7000.0], vec![80.0, 1.0, 400.0]];
        let d = describe_segments(&overall, &means, &fives(&means), &[100, 20, 200]);
        // Long ago and rarely: hibernating; recent, often and much: champions; recent but
        // rarely, little spent: new customers.
        assert_eq!(d[0].persona.as_deref(), Some("Hibernating"));
        assert_eq!(d[1].persona.as_deref(), Some("Champions"));
        assert_eq!(d[2].persona.as_deref(), Some("About to sleep"));
        assert_eq!(d[0].traits, "Long since last purchase · low frequency");
    }

    #[test]
    fn one_persona_per_segmentation_and_the_closest_to_the_whole_is_the_middle() {
        // The built-in sample's shape: age, income, spending, visits. Two segments spend
        // much and come often, one of them on a low income; two spend little and rarely,
        // one with a high income; one is a little younger than the whole and no more.
        let overall = vec![
            OverallFeature { name: "Age".into(), mean: 43.0, median: 42.0, std: 14.0 },
            OverallFeature { name: "Annual Income (k$)".into(), mean: 59.0, median: 58.0, std: 28.0 },
            OverallFeature { name: "Spending Score (1-100)".into(), mean: 48.0, median: 50.0, std: 26.0 },
            OverallFeature { name: "Visits per Month".into(), mean: 4.6, median: 4.0, std: 2.8 },
        ];
        let means = vec![
            vec![22.0, 30.0, 78.0, 7.0],
            vec![62.0, 28.0, 20.0, 2.0],
            vec![35.0, 58.0, 50.0, 4.0],
            vec![38.0, 95.0, 82.0, 9.0],
            vec![52.0, 90.0, 18.0, 2.0],
        ];
        let d = describe_segments(&overall, &means, &fives(&means), &[50, 65, 70, 60, 55]);
        let personas: Vec<Option<&str>> = d.iter().map(|s| s.persona.as_deref()).collect();
        assert_eq!(
            personas,
            [
                Some("Big spenders on a budget"),
                Some("Budget-conscious customers"),
                Some(MIDDLE),
                Some("High-value customers"),
                Some("Careful high earners")
            ]
        );
        assert_eq!(d[2].name, "Middle of the pack · younger");
        let mut names: Vec<&str> = d.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 5, "{d:#?}");
        // Two segments fitting one persona: it stays with the one that fits it most.
        let means = vec![vec![40.0, 95.0, 82.0, 9.0], vec![40.0, 75.0, 66.0, 6.5], vec![40.0, 40.0, 30.0, 2.0]];
        let d = describe_segments(&overall, &means, &fives(&means), &[50, 50, 50]);
        assert_eq!(d[0].persona.as_deref(), Some("High-value customers"));
        assert_eq!(d[1].persona, None);
        assert_eq!(d[1].name, d[1].traits);
    }

    #[test]
    fn age_reads_as_older_or_younger() {
        let overall = vec![
            OverallFeature { name: "Age".into(), mean: 40.0, median: 40.0, std: 10.0 },
            OverallFeature { name: "Annual Income (k$)".into(), mean: 60.0, median: 60.0, std: 26.0 },
        ];
        let means = vec![vec![25.0, 40.0], vec![56.0, 60.0]];
        let d = describe_segments(&overall, &means, &fives(&means), &[5, 5]);
        assert_eq!(d[0].traits, "Younger · low income");
        assert_eq!(d[1].traits, "Older");
    }

    #[test]
    fn one_hot_categories_read_as_mostly() {
        let overall = vec![
            OverallFeature { name: "Genre = Male".into(), mean: 0.5, median: 0.5, std: 0.5 },
            OverallFeature { name: "Genre = Female".into(), mean: 0.5, median: 0.5, std: 0.5 },
        ];
        let means = vec![vec![0.0, 1.0]];
        let d = describe_segments(&overall, &means, &fives(&means), &[5]);
        assert_eq!(d[0].traits, "Mostly Female");
    }

    #[test]
    fn equal_names_are_told_apart_by_the_feature_they_differ_on_most() {
        // Both close to average: income differs more between them (z −0.3 vs 0.35) than spending.
        let means = vec![vec![52.0, 50.0], vec![69.0, 51.0]];
        let d = describe_segments(&overall(), &means, &fives(&means), &[5, 5]);
        assert_eq!((d[0].name.as_str(), d[1].name.as_str()), ("Middle of the pack · lower income", "Middle of the pack · higher income"));
        // Both high income and high spending: the persona stays after the arrow.
        let means = vec![vec![90.0, 80.0], vec![90.0, 95.0]];
        let d = describe_segments(&overall(), &means, &fives(&means), &[5, 5]);
        assert_ne!(d[0].name, d[1].name);
        // Identical on every feature: numbered.
        let means = vec![vec![60.0, 50.0], vec![60.0, 50.0]];
        let d = describe_segments(&overall(), &means, &fives(&means), &[5, 5]);
        assert_eq!((d[0].name.as_str(), d[1].name.as_str()), ("Middle of the pack (1)", "Middle of the pack (2)"));
    }

    #[test]
    fn eta2_and_f_worked_out_by_hand() {
        // Two segments of 2 rows: x = {0, 2} and {4, 6}; overall mean 3, population sd √5.
        // SST = 9 + 1 + 1 + 9 = 20, SSB = 2·4 + 2·4 = 16: η² = 0.8; F = (16/1)/(4/2) = 8.
        // y = {1, 3} and {1, 3}: the same in both, η² = 0.
        let overall = vec![
            OverallFeature { name: "spend".into(), mean: 3.0, median: 3.0, std: 5f64.sqrt() },
            OverallFeature { name: "visits per month".into(), mean: 2.0, median: 2.0, std: 1.0 },
        ];
        let sep = separation(&overall, &[vec![1.0, 2.0], vec![5.0, 2.0]], &[2, 2]);
        assert_eq!(sep[0].name, "spend");
        assert!((sep[0].eta2 - 0.8).abs() < 1e-12 && (sep[0].f.unwrap() - 8.0).abs() < 1e-9, "{sep:?}");
        assert_eq!((sep[1].name.as_str(), sep[1].eta2), ("visits per month", 0.0));
        assert_eq!(
            separation_sentence(&sep).unwrap(),
            "Spend separates the segments most (80% of its variance lies between them); visits per month barely differs between segments."
        );
        assert_eq!(separation(&overall, &[vec![1.0, 2.0]], &[4])[0].f, None, "one segment: no F");
    }
}
