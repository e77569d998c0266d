use super::*;
use crate::core::ingest::parse_csv;

/// The table read in `n` pieces, or `None` when the file is read whole.
fn in_pieces(text: &str, options: &IngestOptions, n: usize) -> Option<Table> {
    let split = split_from(text.as_bytes(), options, n, 0)?;
    let pieces = split.read_here(options).unwrap();
    Some(split.assemble(pieces, options).unwrap())
}

fn same_as_whole(text: &str, options: &IngestOptions) {
    let whole = parse_csv(text.as_bytes(), options).unwrap();
    for n in 2..=7 {
        let table = in_pieces(text, options, n).unwrap_or_else(|| panic!("{n} pieces: not split"));
        assert_eq!(table, whole, "{n} pieces");
    }
}

/// Rows with what a real export holds: blank lines, CRLF, rows wider and narrower than the
/// header, a repeated header, missing tokens, bad bytes.
fn messy(rows: usize, crlf: bool, header: bool) -> String {
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut text = if header { format!("id;income;score;group{nl}") } else { String::new() };
    for i in 0..rows {
        let line = match i % 97 {
            5 => format!("{i};1,5;7"),
            11 => format!("{i};2;3;g;extra;more"),
            23 => String::new(),
            31 if header => "id;income;score;group".to_owned(),
            41 => format!("{i};NA;\u{FFFD}x;g"),
            _ => format!("{i};{},{};{};g{}", i % 50, i % 10, i % 100, i % 4),
        };
        text.push_str(&line);
        text.push_str(nl);
    }
    text
}

#[test]
fn pieces_make_the_table_the_whole_file_makes() {
    for (crlf, header) in [(false, true), (true, true), (false, false)] {
        same_as_whole(&messy(2_000, crlf, header), &IngestOptions::default());
    }
    // No line break at the end; a wider row in the last piece only.
    let mut text = messy(1_500, false, true);
    text.push_str("9999;1;2;3;4;5;6;7");
    same_as_whole(&text, &IngestOptions::default());
    // The user's choices: header forced, lines skipped, missing tokens.
    let options = IngestOptions { skip_lines: 1, header: Some(true), missing_tokens: vec!["NA".to_owned()], ..IngestOptions::default() };
    same_as_whole(&format!("Report\n{}", messy(1_000, true, true)), &options);
    // Excel's sep= line and a title above the header; a comma file; a space-separated log.
    same_as_whole(&format!("sep=;\n{}", messy(1_000, false, true)), &IngestOptions::default());
    same_as_whole(&format!("Customers 2024\n\n{}", messy(1_000, false, true)), &IngestOptions::default());
    let commas: String = (0..3_000).map(|i| format!("{i},{},{}\n", i * 7 % 13, i % 5)).collect();
    same_as_whole(&format!("a,b,c\n{commas}"), &IngestOptions::default());
    let spaces: String = (0..3_000).map(|i| format!("{:>6}  {:>4} 199{}0101   {}.5\n", i, i % 17, i % 10, i % 9)).collect();
    same_as_whole(&spaces, &IngestOptions::default());
}

#[test]
fn pieces_cut_at_line_breaks_cover_the_text_once() {
    let text = messy(2_000, true, true);
    let split = split_from(text.as_bytes(), &IngestOptions::default(), 4, 0).unwrap();
    assert_eq!(split.len(), 4);
    let mut joined = String::new();
    let mut line = 1;
    for i in 0..split.len() {
        let (piece, first_line) = split.piece(i).unwrap();
        assert_eq!(first_line, line);
        assert!(piece.ends_with('\n'));
        line += piece.matches('\n').count() as u64;
        joined.push_str(piece);
    }
    assert_eq!(joined, text.strip_prefix("").unwrap());
    // More pieces than lines: no empty piece.
    let split = split_from(b"a,b\n1,2\n3,4\n", &IngestOptions::default(), 9, 0).unwrap();
    assert!(split.len() <= 3);
    assert!((0..split.len()).all(|i| !split.piece(i).unwrap().0.is_empty()));
}

/// A spreadsheet's or a shop's export: quoted names with the delimiter inside, doubled
/// quotes, empty quoted cells, every field quoted on some rows, a quoted header.
fn quoted(rows: usize, crlf: bool) -> String {
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut text = format!("\"id\",\"name\",\"spend\",\"note\"{nl}");
    for i in 0..rows {
        let line = match i % 13 {
            0 => format!("\"{i}\",\"Smith, J.\",\"@.5\",\"\""),
            3 => format!("{i},\"5\"\" BOX, \"\"RED\"\"\",@,"),
            7 => format!("{i},,@,\"a;b|c\""),
            9 => String::new(),
            _ => format!("{i},plain @,@,x"),
        };
        let line = line.replace('@', &(i % 40).to_string());
        text.push_str(&line);
        text.push_str(nl);
    }
    text
}

#[test]
fn quoted_files_whose_quotes_stay_on_their_line_are_split() {
    for crlf in [false, true] {
        same_as_whole(&quoted(2_000, crlf), &IngestOptions::default());
    }
    // Semicolons, and a last line with no line break that ends on a closing quote.
    let mut text = quoted(1_500, false).replace(',', ";");
    text.push_str("9999;\"last\";1;\"x\"");
    same_as_whole(&text, &IngestOptions::default());
    // The rule itself.
    for (text, plain) in [
        (&b"\"a\",b\n\"c\"\"d\",\"\"\n"[..], true),
        (b"a,\"b\"\r\nc,d\r\n", true),
        (b"a,\"b\"\r", true),
        (b"a,b\"c\n", false),
        (b"a, \"b\"\n", false),
        (b"a,\"b\"c\n", false),
        (b"a,\"b\nc\"\n", false),
        (b"a,\"b\n", false),
        (b"a,\"b\" \n", false),
    ] {
        assert_eq!(quotes_stay_on_their_line(text, b','), plain, "{}", String::from_utf8_lossy(text));
    }
    assert!(!quotes_stay_on_their_line(b"a \"b\"\n", b' '));
}

#[test]
fn files_that_must_be_read_whole_are_not_split() {
    let options = IngestOptions::default();
    // A quoted field over two lines: a line break sits inside a field.
    let quoted_note = format!("{}7;\"a\nb\";1;g\n", messy(1_000, false, true));
    assert!(in_pieces(&quoted_note, &options, 3).is_none());
    // A stray quote, which the whole reading's recovery must see in one piece.
    let stray = format!("{}7;5\" tall;1;g\n", messy(1_000, false, true));
    assert!(in_pieces(&stray, &options, 3).is_none());
    // A lone CR ends a line the csv reader and the line count see differently piece by piece.
    assert!(in_pieces("a,b\r1,2\r3,4\n5,6\n", &options, 2).is_none());
    // One piece asked for, a small file, an empty one.
    assert!(split(messy(1_000, false, true).as_bytes(), &options, 1).is_none());
    assert!(split(messy(1_000, false, true).as_bytes(), &options, 4).is_none(), "under MIN_SPLIT_BYTES");
    assert!(split_from(b"   \n\n", &options, 2, 0).is_none());
}

#[test]
fn a_file_of_a_header_only_fails_as_the_whole_reading_does() {
    let options = IngestOptions::default();
    let split = split_from(b"id,income\n\n\n", &options, 2, 0).unwrap();
    let pieces = split.read_here(&options).unwrap();
    assert_eq!(split.assemble(pieces, &options), Err(parse_csv(b"id,income\n\n\n", &options).unwrap_err()));
}

#[test]
fn a_big_windows_1252_file_is_split_too() {
    let text: String = (0..100_000).map(|i| format!("Jos\u{e9} {i};{}\n", i % 100)).collect();
    // Latin-1 é, not UTF-8: the file as a whole is not UTF-8.
    let bytes: Vec<u8> = format!("name;spend\n{text}").chars().map(|c| c as u32 as u8).collect();
    assert!(bytes.len() > MIN_SPLIT_BYTES);
    let options = IngestOptions::default();
    let whole = parse_csv(&bytes, &options).unwrap();
    assert_eq!(whole.encoding, "windows-1252");
    let split = split(&bytes, &options, 3).expect("split");
    let pieces = split.read_here(&options).unwrap();
    assert_eq!(split.assemble(pieces, &options).unwrap(), whole);
}
