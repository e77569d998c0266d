use super::*;
use DateFormat::{Compact, Iso, UnixMillis, UnixSeconds};
use DateOrder::{DayMonthYear, MonthDayYear, YearMonthDay};

const DAY: i64 = 86_400;
// Unix times of 1 January, worked out as 365 days a year plus one per leap day since 1970:
// 2011: 41 years, 10 leap days → 14 975 days.
const JAN_1_2011: i64 = 14_975 * DAY; // 1 293 840 000
const JAN_1_2012: i64 = JAN_1_2011 + 365 * DAY; // 1 325 376 000
const JAN_1_2013: i64 = JAN_1_2012 + 366 * DAY; // 1 356 998 400

fn slash(order: DateOrder) -> DateFormat {
    DateFormat::Separated { order, separator: '/' }
}

fn detected(cells: &[&str], name: &str) -> Option<DateFormat> {
    detect_date_format(cells, name).map(|(format, _)| format)
}

fn reason(cells: &[&str], name: &str) -> String {
    detect_date_format(cells, name).map(|(_, reason)| reason).unwrap_or_default()
}

#[test]
fn the_epoch_and_the_day_before() {
    assert_eq!(parse_datetime("1970-01-01", Iso), Some(0));
    assert_eq!(parse_datetime("1969-12-31", Iso), Some(-DAY));
    assert_eq!(parse_datetime("1970-01-01T00:00:01", Iso), Some(1));
}

#[test]
fn iso_dates_and_times() {
    // 2011-12-01: January to November 2011 is 334 days.
    let dec_1 = JAN_1_2011 + 334 * DAY;
    assert_eq!(dec_1, 1_322_697_600);
    assert_eq!(parse_datetime("2011-12-01", Iso), Some(dec_1));
    assert_eq!(parse_datetime("2011-12-01T08:26", Iso), Some(dec_1 + 8 * 3600 + 26 * 60));
    assert_eq!(parse_datetime("2011-12-01 08:26:00", Iso), Some(dec_1 + 30_360));
    assert_eq!(parse_datetime("2011-12-01T08:26:07.250Z", Iso), Some(dec_1 + 30_367));
    assert_eq!(parse_datetime(" 2011-12-01T08:26:07Z ", Iso), Some(dec_1 + 30_367));
}

#[test]
fn iso_rejects_what_is_not_iso() {
    for cell in [
        "2011-12-1",
        "11-12-01",
        "2011/12/01",
        "2011-12-01T",
        "2011-12-01T8:26",
        "2011-12-01T08",
        "2011-12-01T08:26+01:00",
        "2011-12-01x",
        "20111201",
        "",
    ] {
        assert_eq!(parse_datetime(cell, Iso), None, "{cell:?}");
    }
}

#[test]
fn calendar_rules_are_enforced() {
    assert_eq!(parse_datetime("31/02/2020", slash(DayMonthYear)), None);
    assert_eq!(parse_datetime("31/04/2020", slash(DayMonthYear)), None);
    assert_eq!(parse_datetime("00/01/2020", slash(DayMonthYear)), None);
    assert_eq!(parse_datetime("13/13/2020", slash(DayMonthYear)), None);
    assert_eq!(parse_datetime("2019-02-29", Iso), None);
    assert_eq!(parse_datetime("1900-02-29", Iso), None, "1900 is not a leap year");
    assert_eq!(parse_datetime("2100-02-29", Iso), None);
    // 2000 is a leap year: 29 February is day 30 years and 7 leap days (72–96) after 1970,
    // plus 31 + 28 days into the year: 10 957 + 59 = 11 016.
    assert_eq!(parse_datetime("2000-02-29", Iso), Some(11_016 * DAY));
}

#[test]
fn clock_rules_are_enforced() {
    for cell in ["2011-12-01 24:00", "2011-12-01 23:60", "2011-12-01 23:59:60", "2011-12-01 8:5"] {
        assert_eq!(parse_datetime(cell, Iso), None, "{cell:?}");
    }
    assert_eq!(parse_datetime("1/1/1970 13:00 PM", slash(MonthDayYear)), None);
    assert_eq!(parse_datetime("1/1/1970 0:30 AM", slash(MonthDayYear)), None);
    assert_eq!(parse_datetime("1/1/1970 10:00 xx", slash(MonthDayYear)), None);
}

#[test]
fn online_retail_month_first_datetimes() {
    // 2011-10-31: January to September is 273 days, then 30 more.
    let oct_31 = JAN_1_2011 + 303 * DAY;
    assert_eq!(parse_datetime("10/31/2011 10:42", slash(MonthDayYear)), Some(oct_31 + 38_520));
    // 2010-12-01 is 31 days before 2011-01-01.
    assert_eq!(parse_datetime("12/1/2010 8:26", slash(MonthDayYear)), Some(JAN_1_2011 - 31 * DAY + 30_360));
    let cells = ["12/1/2010 8:26", "12/1/2010 8:28", "10/31/2011 10:42", ""];
    assert_eq!(detected(&cells, "InvoiceDate"), Some(slash(MonthDayYear)));
    assert_eq!(reason(&cells, "InvoiceDate"), "month first: values such as 10/31/2011 10:42");
}

#[test]
fn marketing_campaign_day_first_dates() {
    // 4 September 2012: January to August of a leap year is 244 days, then 3 more.
    assert_eq!(parse_datetime("04/09/2012", slash(DayMonthYear)), Some(JAN_1_2012 + 247 * DAY));
    // 21 August 2013: January to July is 212 days, then 20 more.
    assert_eq!(parse_datetime("21/08/2013", slash(DayMonthYear)), Some(JAN_1_2013 + 232 * DAY));
    let cells = ["04/09/2012", "08/03/2014", "21/08/2013"];
    assert_eq!(detected(&cells, "Dt_Customer"), Some(slash(DayMonthYear)));
    assert_eq!(reason(&cells, "Dt_Customer"), "day first: values such as 21/08/2013");
}

#[test]
fn am_pm_times() {
    let oct_31 = JAN_1_2011 + 303 * DAY;
    assert_eq!(parse_datetime("10/31/2011 10:42 PM", slash(MonthDayYear)), Some(oct_31 + 22 * 3600 + 42 * 60));
    assert_eq!(parse_datetime("10/31/2011 10:42pm", slash(MonthDayYear)), Some(oct_31 + 22 * 3600 + 42 * 60));
    assert_eq!(parse_datetime("1/1/1970 12:05 AM", slash(MonthDayYear)), Some(300));
    assert_eq!(parse_datetime("1/1/1970 12:05 PM", slash(MonthDayYear)), Some(12 * 3600 + 300));
}

#[test]
fn two_digit_years_pivot_at_69() {
    assert_eq!(parse_datetime("21/08/13", slash(DayMonthYear)), Some(JAN_1_2013 + 232 * DAY));
    assert_eq!(parse_datetime("01/01/69", slash(DayMonthYear)), Some(-365 * DAY));
    assert_eq!(parse_datetime("01/01/68", slash(DayMonthYear)), parse_datetime("2068-01-01", Iso));
    assert_eq!(parse_datetime("2/1/3", slash(DayMonthYear)), None, "a one-digit year");
    assert_eq!(parse_datetime("2/1/203", slash(DayMonthYear)), None, "a three-digit year");
    assert_eq!(parse_datetime("13/01/02", slash(YearMonthDay)), None, "year first needs four digits");
}

#[test]
fn other_separators_and_year_first() {
    let dotted = DateFormat::Separated { order: DayMonthYear, separator: '.' };
    assert_eq!(parse_datetime("21.08.2013", dotted), Some(JAN_1_2013 + 232 * DAY));
    let dashed = DateFormat::Separated { order: MonthDayYear, separator: '-' };
    assert_eq!(parse_datetime("08-21-2013", dashed), Some(JAN_1_2013 + 232 * DAY));
    assert_eq!(parse_datetime("2013/8/21", slash(YearMonthDay)), Some(JAN_1_2013 + 232 * DAY));
    assert_eq!(parse_datetime("21/08-2013", slash(DayMonthYear)), None, "one separator per date");
    let letter = DateFormat::Separated { order: DayMonthYear, separator: 'x' };
    assert_eq!(parse_datetime("21x08x2013", letter), None, "separators are punctuation");
}

#[test]
fn compact_dates_between_1900_and_2100() {
    assert_eq!(parse_datetime("20111201", Compact), Some(1_322_697_600));
    assert_eq!(parse_datetime("20111201 08:26", Compact), Some(1_322_697_600 + 30_360));
    // 1900-01-01: 70 years and 17 leap days (1904–1968) before 1970.
    assert_eq!(parse_datetime("19000101", Compact), Some(-(70 * 365 + 17) * DAY));
    assert_eq!(parse_datetime("18991231", Compact), None);
    assert_eq!(parse_datetime("21010101", Compact), None);
    assert_eq!(parse_datetime("20111301", Compact), None);
    assert_eq!(parse_datetime("2011120", Compact), None);
    assert_eq!(parse_datetime("201112011", Compact), None);
}

#[test]
fn unix_seconds_and_milliseconds() {
    assert_eq!(parse_datetime("1322697600", UnixSeconds), Some(1_322_697_600));
    assert_eq!(parse_datetime("1322697600999", UnixMillis), Some(1_322_697_600));
    assert_eq!(parse_datetime("-1", UnixMillis), Some(-1), "rounded down, not toward zero");
    assert_eq!(parse_datetime("1.5", UnixSeconds), None);
    assert_eq!(parse_datetime("+5", UnixSeconds), None);
    assert_eq!(parse_datetime("-", UnixSeconds), None);
    assert_eq!(parse_datetime("99999999999999999999", UnixSeconds), None, "beyond i64");
}

#[test]
fn days_between_counts_fractions_and_direction() {
    assert_eq!(days_between(0, 3 * DAY + DAY / 2), 3.5);
    assert_eq!(days_between(DAY, 0), -1.0);
    assert_eq!(days_between(i64::MIN, i64::MIN), 0.0);
    assert!(days_between(i64::MIN, i64::MAX) > 0.0, "no overflow at the extremes");
}

#[test]
fn detection_prefers_iso() {
    let cells = ["2011-12-01 08:26:00", "2011-12-01", "2011-12-09T12:50"];
    assert_eq!(detected(&cells, "when"), Some(Iso));
    assert_eq!(reason(&cells, "when"), "ISO dates such as 2011-12-01 08:26:00");
    assert_eq!(detected(&["2011-12-1"], "d"), Some(DateFormat::Separated { order: YearMonthDay, separator: '-' }));
}

#[test]
fn ambiguous_dates_assume_month_first_unless_dotted() {
    let cells = ["01/02/2020", "03/04/2020"];
    assert_eq!(detected(&cells, "d"), Some(slash(MonthDayYear)));
    assert!(reason(&cells, "d").starts_with("ambiguous: assumed month first"));
    let dotted = ["01.02.2020", "03.04.2020"];
    assert_eq!(detected(&dotted, "d"), Some(DateFormat::Separated { order: DayMonthYear, separator: '.' }));
    assert!(reason(&dotted, "d").starts_with("ambiguous: assumed day first"));
}

#[test]
fn a_column_mixing_day_first_and_month_first_is_not_a_date() {
    assert_eq!(detected(&["21/08/2013", "10/31/2011"], "d"), None);
    assert_eq!(detected(&["2011-12-01", "01/12/2011"], "d"), None);
    assert_eq!(detected(&["2011-12-01", "yesterday"], "d"), None);
}

#[test]
fn things_that_look_a_little_like_dates_are_not_dates() {
    for cells in [
        &["1-10", "2-11", "3-12"][..],
        &["3/4", "5/6"],
        &["12.5", "13.5", "1.25"],
        &["2011", "2012", "2013"],
        &["20231", "20232"],
        &["1.234.567"],
        &["12345678", "20111201"],
    ] {
        for name in ["date", "value"] {
            assert_eq!(detected(cells, name), None, "{cells:?} named {name}");
        }
    }
    assert_eq!(detected(&[], "date"), None);
    assert_eq!(detected(&["", "  "], "date"), None);
}

#[test]
fn compact_dates_need_eight_digits_everywhere() {
    assert_eq!(detected(&["20111201", "20120229"], "day"), Some(Compact));
    assert_eq!(detected(&["20111201", "20120230"], "day"), None, "30 February");
    assert_eq!(detected(&["20111201", "20111201 08:26"], "day"), None);
}

#[test]
fn unix_time_needs_a_time_name_and_a_plausible_range() {
    let seconds = ["1322697600", "1322697660"];
    assert_eq!(detected(&seconds, "timestamp"), Some(UnixSeconds));
    assert_eq!(detected(&seconds, "created_at"), Some(UnixSeconds));
    assert_eq!(detected(&seconds, "Order Date"), Some(UnixSeconds));
    assert_eq!(detected(&seconds, "revenue"), None, "the name does not suggest time");
    assert_eq!(detected(&["1322697600000", "1322697660000"], "event_time"), Some(UnixMillis));
    assert_eq!(detected(&["946684799"], "time"), None, "just before 2000");
    assert_eq!(detected(&["4102444800"], "time"), None, "2100 itself");
    assert_eq!(detected(&["1322697600", "1322697600000"], "time"), None, "mixed units");
}

#[test]
fn detection_skips_empty_cells() {
    assert_eq!(detected(&["", "21/08/2013", " "], "d"), Some(slash(DayMonthYear)));
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    /// A valid date and time with chrono's Unix time for it: the reference.
    fn moment(years: core::ops::RangeInclusive<i32>) -> impl Strategy<Value = (i32, u32, u32, u32, u32, u32, i64)> {
        (years, 1u32..=12, 1u32..=31, 0u32..24, 0u32..60, 0u32..60).prop_filter_map("a real date", |(y, m, d, h, mi, s)| {
            let t = NaiveDate::from_ymd_opt(y, m, d)?.and_hms_opt(h, mi, s)?;
            Some((y, m, d, h, mi, s, t.and_utc().timestamp()))
        })
    }

    proptest! {
        #[test]
        fn parse_datetime_never_panics(cell in any::<String>()) {
            for format in [Iso, Compact, UnixSeconds, UnixMillis, slash(DayMonthYear), slash(YearMonthDay)] {
                let _ = parse_datetime(&cell, format);
            }
        }

        #[test]
        fn parse_datetime_never_panics_on_date_like_text(cell in "[0-9]{0,5}[-/. ]?[0-9]{0,3}[-/. T]?[0-9]{0,5}( [0-9]{0,3}:[0-9]{0,3}(:[0-9]{0,3})?( ?[aApPmMZ]{0,2})?)?") {
            for format in [Iso, Compact, slash(MonthDayYear), DateFormat::Separated { order: DayMonthYear, separator: '.' }] {
                let _ = parse_datetime(&cell, format);
            }
        }

        #[test]
        fn detection_never_panics(cells in proptest::collection::vec("[0-9/.: -]{0,12}", 0..6), name in "[a-z_]{0,8}") {
            let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
            let _ = detect_date_format(&refs, &name);
        }

        #[test]
        fn every_format_reads_back_chronos_timestamp((y, m, d, h, mi, s, expected) in moment(1000..=9999)) {
            prop_assert_eq!(parse_datetime(&format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}"), Iso), Some(expected));
            prop_assert_eq!(parse_datetime(&format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}.5Z"), Iso), Some(expected));
            prop_assert_eq!(parse_datetime(&format!("{y:04}-{m:02}-{d:02}"), Iso), Some(expected - i64::from(h * 3600 + mi * 60 + s)));
            for separator in ['/', '-', '.'] {
                let with = |order| DateFormat::Separated { order, separator };
                prop_assert_eq!(parse_datetime(&format!("{y}{separator}{m}{separator}{d} {h}:{mi:02}:{s:02}"), with(YearMonthDay)), Some(expected));
                prop_assert_eq!(parse_datetime(&format!("{d:02}{separator}{m:02}{separator}{y} {h:02}:{mi:02}:{s:02}"), with(DayMonthYear)), Some(expected));
                prop_assert_eq!(parse_datetime(&format!("{m}{separator}{d}{separator}{y} {h}:{mi:02}:{s:02}"), with(MonthDayYear)), Some(expected));
            }
            let (h12, meridiem) = match h { 0 => (12, "AM"), 1..=11 => (h, "AM"), 12 => (12, "PM"), _ => (h - 12, "PM") };
            prop_assert_eq!(parse_datetime(&format!("{m}/{d}/{y} {h12}:{mi:02}:{s:02} {meridiem}"), slash(MonthDayYear)), Some(expected));
        }

        #[test]
        fn two_digit_years_read_back((y, m, d, h, mi, s, expected) in moment(1969..=2068)) {
            let yy = y % 100;
            prop_assert_eq!(parse_datetime(&format!("{d}/{m}/{yy:02} {h}:{mi:02}:{s:02}"), slash(DayMonthYear)), Some(expected));
        }

        #[test]
        fn compact_and_unix_read_back((y, m, d, h, mi, s, expected) in moment(1900..=2100), millis in 0i64..1000) {
            prop_assert_eq!(parse_datetime(&format!("{y:04}{m:02}{d:02} {h:02}:{mi:02}:{s:02}"), Compact), Some(expected));
            prop_assert_eq!(parse_datetime(&expected.to_string(), UnixSeconds), Some(expected));
            prop_assert_eq!(parse_datetime(&(expected * 1000 + millis).to_string(), UnixMillis), Some(expected));
        }
    }
}
