use super::*;
use crate::core::ingest::{parse_csv, IngestOptions};
use crate::core::profile::profile_columns;

/// Per-segment values of a CSV text with the given segment of each row (every row clustered).
fn values_of(csv: &str, labels: &[usize], k: usize) -> SegmentValues {
    let table = parse_csv(csv.as_bytes(), &IngestOptions::default()).unwrap();
    let profile = profile_columns(&table);
    let row_of: Vec<usize> = (0..table.n_rows()).collect();
    segment_values(&profile, &row_of, labels, k)
}

fn names(v: &SegmentValues, columns: &[usize]) -> Vec<String> {
    columns.iter().map(|&c| v.column(c).unwrap().name.clone()).collect()
}

#[test]
fn the_index_is_the_segment_mean_over_the_overall_mean() {
    // Spend 10, 20 | 30, 40 (overall mean 25): 15 / 25 = 60, 35 / 25 = 140. A missing
    // cell is left out of both means and counted.
    let v = values_of("Spend,Age\n10,30\n20,41\n30,52\n40,63\n,70\n", &[0, 0, 1, 1, 1], 2);
    let spend = v.column(0).unwrap();
    assert_eq!(spend.counts, [2, 2]);
    assert_eq!(spend.missing, [0, 1]);
    assert!((spend.index(0).unwrap() - 60.0).abs() < 1e-9);
    assert!((spend.index(1).unwrap() - 140.0).abs() < 1e-9);
    assert_eq!(spend.index(2), None);
}

#[test]
fn value_shares_add_to_one_and_come_from_the_sums() {
    let v = values_of("Monetary,Age\n100,30\n50,41\n30,52\n10,63\n10,70\n", &[0, 1, 1, 2, 2], 3);
    assert_eq!(names(&v, &v.value_columns), ["Monetary"]);
    let shares = v.shares(&v.value_columns).unwrap();
    assert!((shares.value.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!((shares.customers.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!((shares.value[0] - 0.5).abs() < 1e-12, "100 of 200");
    assert!((shares.customers[0] - 0.2).abs() < 1e-12, "1 of 5");
    assert_eq!(shares.total, 200.0);
    // A column with negative values has no shares.
    let v = values_of("Balance\n-10\n20\n30\n", &[0, 1, 1], 2);
    assert!(v.shares(&[0]).is_none());
    assert_eq!(rounded_percents(&[1.0 / 3.0; 3]).iter().sum::<u32>(), 100);
    assert_eq!(rounded_percents(&[0.125, 0.125, 0.75]), [13, 12, 75]);
}

const MARKETING: &str =
    "ID,Income,Recency,MntWines,MntFruits,MntMeatProducts,MntGoldProds,NumWebPurchases,NumStorePurchases,NumDealsPurchases,Kidhome\n\
    1,58138,58,635,88,546,88,8,4,3,0\n2,46344,38,11,1,6,6,1,2,2,1\n3,71613,26,426,49,127,42,8,10,1,0\n4,26646,26,11,4,20,5,2,4,2,1\n\
    5,58293,94,173,43,118,15,5,6,5,1\n6,62513,16,520,42,98,14,6,10,2,0\n";

#[test]
fn marketing_spend_columns_are_the_preferences_and_their_total_the_value() {
    let v = values_of(MARKETING, &[0, 1, 0, 1, 1, 0], 2);
    assert_eq!(names(&v, &v.preference_columns), ["MntWines", "MntFruits", "MntMeatProducts", "MntGoldProds"]);
    assert!(v.preference_reason.contains("“mnt”"), "{}", v.preference_reason);
    // No single spend column: the value is the group's total.
    assert_eq!(v.value_columns, v.preference_columns);
    assert!(v.value_label(&v.value_columns).starts_with("the total of MntWines"));
    // Segment 0 (rows 1, 3, 6) buys wine far above the average.
    let top = &v.preferences(0, &v.preference_columns)[0];
    assert_eq!(top.name, "MntWines");
    let sentence = v.preference_sentence(0, &v.preference_columns).unwrap();
    assert!(sentence.starts_with("Buys 1.") && sentence.contains("more wines"), "{sentence}");
}

#[test]
fn wholesale_category_columns_are_found_by_their_words() {
    let csv = "Channel,Region,Fresh,Milk,Grocery,Frozen,Detergents_Paper,Delicassen\n\
        2,3,12669,9656,7561,214,2674,1338\n2,3,7057,9810,9568,1762,3293,1776\n2,3,6353,8808,7684,2405,3516,7844\n\
        1,3,13265,1196,4221,6404,507,1788\n2,3,22615,5410,7198,3915,1777,5185\n2,3,9413,8259,5126,666,1795,1451\n";
    let v = values_of(csv, &[0, 0, 0, 1, 1, 0], 2);
    assert_eq!(names(&v, &v.preference_columns), ["Fresh", "Milk", "Grocery", "Frozen", "Detergents_Paper", "Delicassen"]);
    assert!(v.preference_reason.contains("products or categories"), "{}", v.preference_reason);
    assert_eq!(v.value_columns.len(), 6, "the total of the categories: {}", v.value_reason);
    // Segment 1 (the hotel-like rows 4 and 5) over-indexes on frozen.
    assert_eq!(v.preferences(1, &v.preference_columns)[0].name, "Frozen");
    // A spend word as the last part of names works the same way.
    let v = values_of("food_spend,drink_spend,toy_spend,Age\n1,2,3,40\n4,5,6,50\n", &[0, 1], 2);
    assert_eq!(names(&v, &v.preference_columns), ["food_spend", "drink_spend", "toy_spend"]);
}

#[test]
fn unrelated_columns_are_not_a_preference_group() {
    // Counts sharing "Num", scores, ages, incomes: no product spend among them.
    let csv = "Age,Annual Income (k$),Spending Score (1-100),NumWebPurchases,NumStorePurchases,NumDealsPurchases,Kidhome,Teenhome\n\
        19,15,39,1,2,3,0,1\n21,15,81,4,5,6,1,0\n20,16,6,7,8,9,0,0\n";
    let v = values_of(csv, &[0, 1, 1], 2);
    assert!(v.preference_columns.is_empty(), "{:?}", names(&v, &v.preference_columns));
    // The spending score is not money: the value falls back to income, and says so.
    assert_eq!(names(&v, &v.value_columns), ["Annual Income (k$)"]);
    assert!(v.value_reason.contains("income"), "{}", v.value_reason);
    // Two spend columns, or three with one negative, are not a group.
    let v = values_of("MntA,MntB,MntC\n1,2,-3\n4,5,6\n", &[0, 1], 2);
    assert!(v.preference_columns.is_empty());
    let v = values_of("Age,Visits\n1,2\n3,4\n", &[0, 1], 2);
    assert!(v.value_columns.is_empty() && v.value_reason.contains("pick one"), "{}", v.value_reason);
}

fn rule(ratio: Option<f64>, recency: Option<f64>, frequency: Option<f64>, income: Option<f64>) -> ActionRule {
    let a = action(Profile { ratio, recency, frequency, income, share_text: None }, "");
    assert!(a.text.starts_with("Suggested: "), "{}", a.text);
    a.rule
}

#[test]
fn each_action_rule_fires_on_its_profile() {
    assert_eq!(rule(Some(2.0), Some(50.0), None, None), ActionRule::RewardRetain, "high value, recent");
    assert_eq!(rule(Some(2.0), None, None, None), ActionRule::RewardRetain, "high value, no recency");
    assert_eq!(rule(Some(2.0), Some(160.0), None, None), ActionRule::WinBack, "high value, long since");
    assert_eq!(rule(Some(0.4), Some(100.0), None, Some(150.0)), ActionRule::Upsell, "low spend, high income");
    assert_eq!(rule(Some(0.9), Some(40.0), Some(50.0), None), ActionRule::Onboard, "recent, few purchases");
    assert_eq!(rule(Some(0.4), Some(160.0), Some(50.0), Some(150.0)), ActionRule::Reactivate, "low value, lapsed");
    assert_eq!(rule(Some(0.4), Some(100.0), Some(100.0), Some(100.0)), ActionRule::Grow, "low value otherwise");
    assert_eq!(rule(Some(1.0), Some(100.0), Some(100.0), Some(100.0)), ActionRule::Maintain, "average");
    assert_eq!(rule(None, None, None, None), ActionRule::Maintain, "no value column");
}

#[test]
fn actions_follow_the_segments_profiles() {
    // Segment 0: spends a lot, bought recently; 1: spends little, long ago; 2: little,
    // with a high income, average recency.
    let csv = "Monetary,Recency,Income\n900,5,50\n800,10,50\n10,90,40\n20,95,40\n30,40,150\n20,45,160\n";
    let v = values_of(csv, &[0, 0, 1, 1, 2, 2], 3);
    let rules: Vec<ActionRule> = v.actions.iter().map(|a| a.rule).collect();
    assert_eq!(rules, [ActionRule::RewardRetain, ActionRule::Reactivate, ActionRule::Upsell]);
    // Percentages as the chart shows them: three thirds read 34, 33, 33 (they add to 100).
    assert!(v.actions[0].text.contains("of monetary from 34% of customers"), "{}", v.actions[0].text);
    assert!(v.actions[1].text.contains("from 33% of customers"), "{}", v.actions[1].text);
}

#[test]
fn with_income_as_the_value_the_spending_score_says_who_spends() {
    // The built-in sample's shape: no spend column, so income is the value; a spending score
    // says who spends. Segment 0 earns much and spends little: upsell, not "reward".
    let csv = "Annual Income (k$),Spending Score (1-100)\n90,15\n92,20\n30,80\n28,85\n60,50\n58,50\n";
    let v = values_of(csv, &[0, 0, 1, 1, 2, 2], 3);
    assert_eq!(names(&v, &v.value_columns), ["Annual Income (k$)"]);
    let rules: Vec<ActionRule> = v.actions.iter().map(|a| a.rule).collect();
    assert_eq!(rules, [ActionRule::Upsell, ActionRule::RewardRetain, ActionRule::Maintain]);
}

#[test]
fn the_summary_export_carries_value_shares_indices_and_the_users_actions() {
    use crate::core::clean::CleaningOptions;
    use crate::core::pipeline::{clean, export_summary_with, load, segment, SegmentOptions};
    let file = load("m.csv", MARKETING.as_bytes(), &IngestOptions::default(), &mut |_| {}).unwrap();
    let cleaned = clean(&file, &CleaningOptions::suggested(&file.profile)).unwrap();
    let s = segment(&file, &cleaned, &SegmentOptions::new(2, 42)).unwrap();
    assert_eq!(s.values.actions.len(), 2);
    let choice = ValueChoice { actions: vec!["Call them".into(), String::new()], ..ValueChoice::default() };
    let text = String::from_utf8(export_summary_with(&file, &s, &[], &choice).unwrap()).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {header:?}"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4, "2 segments, all customers, η²: {text}");
    let shares: f64 = rows[..2].iter().map(|r| r[col("value_share")].parse::<f64>().unwrap()).sum();
    assert!((shares - 1.0).abs() < 1e-5, "{text}");
    assert!(rows[0][col("value_column")].starts_with("the total of MntWines"));
    assert_eq!(&rows[0][col("action")], "Call them");
    assert!(rows[1][col("action")].starts_with("Suggested: "), "{text}");
    assert!(rows[0][col("MntWines index")].parse::<f64>().unwrap() > 0.0);
    assert_eq!(&rows[2][col("MntWines index")], "100.0");
    // The user's value column and preferences replace the guesses.
    let income = s.values.columns.iter().find(|c| c.name == "Income").unwrap().column;
    let wines = s.values.columns.iter().find(|c| c.name == "MntWines").unwrap().column;
    let choice = ValueChoice { value_columns: Some(vec![income]), preference_columns: Some(vec![wines]), actions: vec![] };
    let text = String::from_utf8(export_summary_with(&file, &s, &[], &choice).unwrap()).unwrap();
    let header = text.lines().next().unwrap();
    assert!(header.ends_with("value_column,value_total,value_share,MntWines index,preferences,action"), "{header}");
    assert!(text.lines().nth(1).unwrap().contains(",Income,"), "{text}");
}
