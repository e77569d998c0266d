use super::*;
use DecimalSeparator::{Comma, Point};

fn point(cell: &str) -> Option<f64> {
    parse_number(cell, Point)
}

fn comma(cell: &str) -> Option<f64> {
    parse_number(cell, Comma)
}

#[test]
fn plain_numbers_read_in_both_conventions() {
    assert_eq!(point("12"), Some(12.0));
    assert_eq!(comma("12"), Some(12.0));
    assert_eq!(point("-3.5"), Some(-3.5));
    assert_eq!(comma("-3,5"), Some(-3.5));
    assert_eq!(point("+7"), Some(7.0));
    assert_eq!(point("\u{2212}7"), Some(-7.0));
    assert_eq!(point("007"), Some(7.0));
}

#[test]
fn a_fraction_without_leading_zero_reads() {
    assert_eq!(point(".5"), Some(0.5));
    assert_eq!(point("-.25"), Some(-0.25));
    assert_eq!(comma(",5"), Some(0.5));
}

#[test]
fn thousands_groups_with_point() {
    assert_eq!(point("1,234.50"), Some(1234.5));
    assert_eq!(point("1 234.50"), Some(1234.5));
    assert_eq!(point("1'234.50"), Some(1234.5));
    assert_eq!(point("1\u{a0}234.50"), Some(1234.5));
    assert_eq!(point("12,345,678"), Some(12_345_678.0));
    assert_eq!(point("-1,000"), Some(-1000.0));
}

#[test]
fn thousands_groups_with_comma() {
    assert_eq!(comma("1.234,50"), Some(1234.5));
    assert_eq!(comma("1 234,50"), Some(1234.5));
    assert_eq!(comma("1\u{202f}234,50"), Some(1234.5));
    assert_eq!(comma("12.345.678"), Some(12_345_678.0));
}

#[test]
fn groups_that_are_not_three_digits_are_not_numbers() {
    assert_eq!(point("1,23.4"), None);
    assert_eq!(point("1,2345"), None);
    assert_eq!(point("1234,567"), None, "a first group has at most three digits");
    assert_eq!(point("1,234,5"), None);
    assert_eq!(point(",123"), None);
    assert_eq!(comma("1.23,4"), None);
    assert_eq!(point("12 34"), None);
}

#[test]
fn one_kind_of_group_separator_per_cell() {
    assert_eq!(point("1,234 567"), None);
    assert_eq!(point("1 234'567"), None);
}

#[test]
fn two_decimal_marks_are_not_a_number() {
    assert_eq!(point("1.2.3"), None);
    assert_eq!(comma("1,2,3"), None);
    assert_eq!(point("1.234.567"), None);
}

#[test]
fn a_trailing_decimal_mark_is_not_a_number() {
    assert_eq!(point("5."), None);
    assert_eq!(comma("5,"), None);
    assert_eq!(point("."), None);
}

#[test]
fn currency_before_or_after() {
    assert_eq!(point("$1,234.50"), Some(1234.5));
    assert_eq!(point("£12"), Some(12.0));
    assert_eq!(point("¥ 1,000"), Some(1000.0));
    assert_eq!(comma("1 234,50 €"), Some(1234.5));
    assert_eq!(comma("€1.234,50"), Some(1234.5));
    assert_eq!(point("USD 12.50"), Some(12.5));
    assert_eq!(comma("12,50 EUR"), Some(12.5));
    assert_eq!(point("-$12.50"), Some(-12.5));
    assert_eq!(point("$-12.50"), Some(-12.5));
}

#[test]
fn a_currency_mark_alone_or_twice_is_not_a_number() {
    assert_eq!(point("$"), None);
    assert_eq!(comma("€"), None);
    assert_eq!(point("USD"), None);
    assert_eq!(point("$12$"), None);
    assert_eq!(point("$12%"), None);
}

#[test]
fn accounting_parentheses_are_negative() {
    assert_eq!(point("(12.50)"), Some(-12.5));
    assert_eq!(point("($1,234.50)"), Some(-1234.5));
    assert_eq!(point("$(12.50)"), Some(-12.5));
    assert_eq!(comma("(1.234,50 €)"), Some(-1234.5));
    assert_eq!(point("(-12)"), None, "a sign inside parentheses contradicts them");
    assert_eq!(point("-(12)"), None);
    assert_eq!(point("()"), None);
    assert_eq!(point("(12"), None);
}

#[test]
fn percent_keeps_the_number_as_written() {
    assert_eq!(point("12.5%"), Some(12.5));
    assert_eq!(comma("12,5%"), Some(12.5));
    assert_eq!(comma("12,5 %"), Some(12.5));
    assert_eq!(point("-3%"), Some(-3.0));
    assert_eq!(point("%"), None);
    assert_eq!(point("12%%"), None);
}

#[test]
fn scientific_notation_in_both_conventions() {
    assert_eq!(point("1.5e3"), Some(1500.0));
    assert_eq!(point("1.5E-2"), Some(0.015));
    assert_eq!(point("2e+2"), Some(200.0));
    assert_eq!(comma("1,5E3"), Some(1500.0));
    assert_eq!(point("1e"), None);
    assert_eq!(point("1e+"), None);
    assert_eq!(point("e5"), None);
    assert_eq!(point("1,234e3"), None, "no exponent after thousands groups");
    assert_eq!(comma("1.5e3"), None, "a point is a group separator with Comma");
}

#[test]
fn spaces_around_are_ignored_including_no_break_spaces() {
    assert_eq!(point("  42 "), Some(42.0));
    assert_eq!(point("\u{a0}42\u{202f}"), Some(42.0));
    assert_eq!(comma("\t-1,5\u{a0}"), Some(-1.5));
}

#[test]
fn text_and_non_finite_words_are_not_numbers() {
    for cell in ["", "   ", "abc", "12abc", "inf", "-inf", "nan", "NaN", "infinity", "Infinity", "1_000", "0x1F", "-", "+"] {
        assert_eq!(point(cell), None, "{cell:?} with Point");
        assert_eq!(comma(cell), None, "{cell:?} with Comma");
    }
}

#[test]
fn dates_are_not_numbers() {
    for cell in ["1-10", "2023-01-05", "3/4", "01/02/2020", "12:30"] {
        assert_eq!(point(cell), None, "{cell:?}");
        assert_eq!(comma(cell), None, "{cell:?}");
    }
}

#[test]
fn values_beyond_f64_are_rejected() {
    assert_eq!(point("1e400"), None);
    assert_eq!(point(&"9".repeat(400)), None, "longer than any f64 Rust prints");
    assert_eq!(point("1e-400"), Some(0.0), "underflow is a tiny number, not an error");
}

#[test]
fn the_ambiguous_group_reads_by_the_chosen_convention() {
    // `1,234` is 1234 with Point and 1.234 with Comma: the column-level choice decides.
    assert_eq!(point("1,234"), Some(1234.0));
    assert_eq!(comma("1,234"), Some(1.234));
    assert_eq!(point("1.234"), Some(1.234));
    assert_eq!(comma("1.234"), Some(1234.0));
}

#[test]
fn zero_padded_codes() {
    assert!(is_zero_padded("0001"));
    assert!(is_zero_padded("007"));
    assert!(is_zero_padded(" 00 "));
    assert!(!is_zero_padded("0"));
    assert!(!is_zero_padded("0.5"));
    assert!(!is_zero_padded("0,5"));
    assert!(!is_zero_padded("100"));
    assert!(!is_zero_padded(""));
    assert!(!is_zero_padded("0a"));
}

#[test]
fn decimal_comma_from_values_that_cannot_be_thousands() {
    let (sep, reason) = detect_decimal_separator(["12", "3,75", "8"], b',');
    assert_eq!(sep, Comma);
    assert_eq!(reason, "decimal comma: values such as 3,75");
    let (sep, _) = detect_decimal_separator(["1.234,5", "17"], b',');
    assert_eq!(sep, Comma);
}

#[test]
fn decimal_point_from_values_that_need_it() {
    let (sep, reason) = detect_decimal_separator(["12", "3.75"], b';');
    assert_eq!(sep, Point, "a semicolon file with 3.75 is still decimal point");
    assert_eq!(reason, "decimal point: values such as 3.75");
    let (sep, _) = detect_decimal_separator(["1,234.5"], b',');
    assert_eq!(sep, Point);
}

#[test]
fn without_evidence_the_delimiter_decides() {
    let (sep, reason) = detect_decimal_separator(["12", "1,234", "", "n/a"], b';');
    assert_eq!(sep, Comma);
    assert!(reason.starts_with("decimal comma: semicolon"), "{reason}");
    let (sep, _) = detect_decimal_separator(["12", "1,234"], b',');
    assert_eq!(sep, Point);
    let (sep, _) = detect_decimal_separator(Vec::<&str>::new(), b'\t');
    assert_eq!(sep, Point);
}

#[test]
fn mixed_evidence_goes_to_the_majority_and_ties_to_the_delimiter() {
    let (sep, reason) = detect_decimal_separator(["3,75", "2,5", "1.5"], b',');
    assert_eq!(sep, Comma);
    assert_eq!(reason, "decimal comma: 2 values such as 3,75 against 1 such as 1.5");
    let (sep, _) = detect_decimal_separator(["3,75", "1.5"], b',');
    assert_eq!(sep, Point);
    let (sep, _) = detect_decimal_separator(["3,75", "1.5"], b';');
    assert_eq!(sep, Comma);
}

#[test]
fn detection_looks_at_a_bounded_sample() {
    // Evidence after the first DECIMAL_SAMPLE non-empty cells is not seen.
    let cells = std::iter::repeat_n("7", DECIMAL_SAMPLE).chain(std::iter::once("3,75"));
    let (sep, _) = detect_decimal_separator(cells, b',');
    assert_eq!(sep, Point);
}

// Fixtures from real files' quirks.
#[test]
fn real_file_quirks() {
    assert_eq!(comma("1.234,50"), Some(1234.5));
    assert_eq!(point("$1,234.50"), Some(1234.5));
    assert_eq!(point("(12.50)"), Some(-12.5));
    assert_eq!(comma("1 234,50 €"), Some(1234.5));
    assert_eq!(comma("12,5%"), Some(12.5));
    let (sep, _) = detect_decimal_separator(["1.234,50", "1 234,50 €", "12,5%"], b';');
    assert_eq!(sep, Comma);
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parse_number_never_panics(cell in any::<String>()) {
            let _ = parse_number(&cell, Point);
            let _ = parse_number(&cell, Comma);
        }

        #[test]
        fn parse_number_never_panics_on_number_like_text(cell in "[-+(]?[$€]?[0-9.,' \u{a0}eE%()-]{0,30}") {
            let _ = parse_number(&cell, Point);
            let _ = parse_number(&cell, Comma);
        }

        #[test]
        fn rust_printed_floats_read_back_exactly(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
            let text = format!("{x}");
            prop_assert_eq!(parse_number(&text, Point), Some(x));
            prop_assert_eq!(parse_number(&text.replace('.', ","), Comma), Some(x));
        }

        #[test]
        fn grouped_integers_read_back(n in 0u64..1_000_000_000_000) {
            let plain = n.to_string();
            let mut grouped = String::new();
            for (i, digit) in plain.chars().enumerate() {
                if i > 0 && (plain.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(digit);
            }
            prop_assert_eq!(parse_number(&grouped, Point), Some(n as f64));
            prop_assert_eq!(parse_number(&grouped.replace(',', "."), Comma), Some(n as f64));
        }
    }
}

/// The fast path for short decimals (one division) gives the standard library's bits for
/// every `-?digits.digits` it takes, and the general reader's for the rest.
#[test]
fn short_decimals_read_bit_for_bit_as_the_standard_library() {
    use proptest::prelude::*;
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 20_000, ..ProptestConfig::default() });
    let cell = "-?[0-9]{1,9}\\.[0-9]{1,9}";
    runner
        .run(&cell, |cell| {
            let ours = point(&cell).map(f64::to_bits);
            let std = cell.parse::<f64>().ok().map(f64::to_bits);
            prop_assert_eq!(ours, std, "{}", cell);
            Ok(())
        })
        .unwrap();
    // The edges: the most digits the fast path takes, the smallest and largest fractions,
    // values halfway between two doubles' neighbours, and negative zero.
    for cell in [
        "99999999999999.9",
        "9.99999999999999",
        "0.00000000000001",
        "1.7976931348623",
        "0.1",
        "0.3",
        "-0.0",
        "123456789.012345",
        "0.30000000000000004",
    ] {
        assert_eq!(point(cell).map(f64::to_bits), cell.parse::<f64>().ok().map(f64::to_bits), "{cell}");
    }
}

/// `trim_cell` trims as `str::trim` does, its shortcut included.
#[test]
fn trim_cell_is_str_trim() {
    for cell in [
        "",
        " ",
        "a",
        " a",
        "a ",
        "\u{a0}12,5\u{a0}",
        "1\u{202f}",
        "\t7\r",
        "é",
        "x\u{3000}",
        "12.5",
        "\u{85}1",
        "\u{b}7",
        "7\u{b}",
        "\u{b}",
        "\u{c}1\u{1f}",
    ] {
        assert_eq!(trim_cell(cell), cell.trim(), "{cell:?}");
    }
}
