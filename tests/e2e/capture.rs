//! A day at a site with the office out of reach: three residents taken through the
//! whole applicant record in the real app window — an adult in mode 受付 with a
//! driving licence, a 12-year-old with a parent as 法定代理人, and an adult in mode
//! サポート — then the day's tally. A screenshot of every step.

use outreach_e2e::Session;

/// One resident as staff enter them.
struct Resident {
    label: &'static str,
    application_id: &'static str,
    name: &'static str,
    /// Typed in hiragana; the app turns it into katakana.
    kana: &'static str,
    kana_shown: &'static str,
    era: &'static str,
    ymd: (&'static str, &'static str, &'static str),
    birth_shown: &'static str,
    sex: &'static str,
    postal: &'static str,
    address_shown: &'static str,
    house_number: &'static str,
    /// (list-A or list-B document codes) for mode 受付.
    documents: &'static [&'static str],
    representative: bool,
}

const ADULT: Resident = Resident {
    label: "adult-uketsuke",
    application_id: "12345678901234567890123",
    name: "太田　花子",
    kana: "おおた はなこ",
    kana_shown: "オオタ　ハナコ",
    era: "昭和",
    ymd: ("60", "4", "1"),
    birth_shown: "昭和60年4月1日（1985年4月1日）",
    sex: "female",
    postal: "3730853",
    address_shown: "群馬県太田市浜町",
    house_number: "2-35",
    documents: &["driversLicence"],
    representative: false,
};

const CHILD: Resident = Resident {
    label: "child-uketsuke",
    application_id: "22345678901234567890123",
    name: "太田　蓮",
    kana: "おおた れん",
    kana_shown: "オオタ　レン",
    era: "平成",
    ymd: ("26", "6", "10"),
    birth_shown: "平成26年6月10日（2014年6月10日）",
    sex: "male",
    postal: "373-0853",
    address_shown: "群馬県太田市浜町",
    house_number: "2-35",
    documents: &["healthInsurance", "studentId"],
    representative: true,
};

const SUPPORT_ADULT: Resident = Resident {
    label: "adult-support",
    application_id: "32345678901234567890123",
    name: "新井　一郎",
    kana: "あらい いちろう",
    kana_shown: "アライ　イチロウ",
    era: "平成",
    ymd: ("2", "3", "4"),
    birth_shown: "平成2年3月4日（1990年3月4日）",
    sex: "male",
    postal: "３７３－０８４７",
    address_shown: "群馬県太田市西新町",
    house_number: "100",
    documents: &[],
    representative: false,
};

pub(crate) async fn next(s: &mut Session, expect_title: &str) {
    s.click("#record-next").await.expect("next");
    s.wait_for_text("#record-title", expect_title)
        .await
        .unwrap_or_else(|e| panic!("step {expect_title}: {e}"));
}

async fn shot(s: &mut Session, r: &Resident, step: &str) {
    s.screenshot(&format!("{}-{step}", r.label))
        .await
        .expect("screenshot");
}

/// Takes one resident from "次の方の申請を始める" to a finalized record.
async fn take(s: &mut Session, r: &Resident, uketsuke: bool) {
    s.click("#record-new").await.expect("new record");
    s.wait_for_text("#record-title", "申請書ID")
        .await
        .expect("id step");
    if r.label == ADULT.label {
        // Bad input first: a 22-digit ID, then two entries that disagree.
        s.type_into("#app-id-1", &r.application_id[..22])
            .await
            .expect("type");
        s.type_into("#app-id-2", &r.application_id[..22])
            .await
            .expect("type");
        s.click("#record-next").await.expect("next");
        s.wait_for_text("#issue-applicationId", "23桁です（入力は22桁）")
            .await
            .expect("a 22-digit ID is refused, field by field");
        shot(s, r, "id-22-digits").await;
        s.type_into("#app-id-1", &r.application_id[22..])
            .await
            .expect("type");
        s.type_into("#app-id-2", "9").await.expect("type");
        s.click("#record-next").await.expect("next");
        s.wait_for_text("#step-error", "一致しません")
            .await
            .expect("mismatch");
        shot(s, r, "id-mismatch").await;
        s.clear("#app-id-2").await.expect("clear");
        s.type_into("#app-id-2", r.application_id)
            .await
            .expect("type");
    } else {
        s.type_into("#app-id-1", r.application_id)
            .await
            .expect("type");
        s.type_into("#app-id-2", r.application_id)
            .await
            .expect("type");
    }
    shot(s, r, "01-application-id").await;
    next(s, "氏名・フリガナ").await;

    s.type_into("#name", r.name).await.expect("name");
    if r.label == ADULT.label {
        // Pasted text with an emoji: named, and nothing else typed is lost.
        paste(s, "#kana", "おおた😀").await;
        s.click("#record-next").await.expect("next");
        s.wait_for_text("#issue-kana", "😀")
            .await
            .expect("emoji refused");
        let name = wait_value(s, "#name", r.name).await;
        assert_eq!(name, r.name, "the name typed before stays");
        shot(s, r, "02-kana-emoji").await;
        s.clear("#kana").await.expect("clear");
    }
    s.type_into("#kana", r.kana).await.expect("kana");
    shot(s, r, "02-name").await;
    next(s, "生年月日・性別").await;

    s.click(&format!("#era-{}", r.era)).await.expect("era");
    s.type_into("#birth-year", r.ymd.0).await.expect("year");
    s.type_into("#birth-month", r.ymd.1).await.expect("month");
    s.type_into("#birth-day", r.ymd.2).await.expect("day");
    // Choosing the sex moves focus away, which reads the date.
    s.click(&format!("#sex-{}", r.sex)).await.expect("sex");
    let shown = s
        .wait_for_text("#birth-display", r.birth_shown)
        .await
        .expect("the birth date in 和暦 and 西暦");
    assert!(
        shown.contains("歳"),
        "the age at the trip date is shown: {shown}"
    );
    shot(s, r, "03-birth").await;
    next(s, "住所・電話番号").await;

    s.type_into("#postal", r.postal).await.expect("postal");
    s.click("#postal-search").await.expect("search");
    let filled = wait_value(s, "#address", r.address_shown).await;
    assert!(filled.starts_with(r.address_shown), "{filled}");
    s.type_into("#address", r.house_number)
        .await
        .expect("house number");
    s.type_into("#phone", "０２７６－４７－１１１１")
        .await
        .expect("phone");
    shot(s, r, "04-address").await;
    next(s, "電子証明書など").await;
    if r.representative {
        s.wait_for_text("#signature-note", "15歳未満")
            .await
            .expect("no 署名用 certificate for under-15s, explained");
    }
    shot(s, r, "05-options").await;

    if r.representative {
        next(s, "法定代理人").await;
        s.type_into("#rep-name", "太田　花子")
            .await
            .expect("rep name");
        s.type_into("#rep-kana", "おおた はなこ")
            .await
            .expect("rep kana");
        s.click("#rep-rel-parent").await.expect("parent");
        s.click("#rep-doc-driversLicence")
            .await
            .expect("rep licence");
        s.click("#rep-proof-sameHousehold")
            .await
            .expect("same household");
        shot(s, r, "06-representative").await;
    }
    if uketsuke {
        next(s, "本人確認書類").await;
        for d in r.documents {
            s.click(&format!("#doc-{d}")).await.expect("document");
        }
        s.wait_for_text("#identity-verdict", "足りています")
            .await
            .expect("the rule is met, said live");
        shot(s, r, "07-identity").await;
        next(s, "郵送の条件").await;
        for q in [
            "inPerson",
            "noForwarding",
            "noMovePlanned",
            "pinConsent",
            "pinRequestReceived",
        ] {
            s.click(&format!("#mail-{q}-yes")).await.expect("yes");
        }
        s.click("#mail-oldCard-returned").await.expect("old card");
        s.wait_for_text("#delivery-verdict", "郵送")
            .await
            .expect("mailed");
        shot(s, r, "08-mailing").await;
    }
    next(s, "顔写真").await;
    if r.label == ADULT.label {
        // A blurred photo fails by name, drawn on the photo; the retake is counted.
        import_photo(s, "blur.jpg").await;
        s.wait_for_text("#photo-verdict", "受け付けられない可能性")
            .await
            .expect("a blurred photo fails");
        let checks = s.wait_for_text("#photo-checks", "ピント").await;
        assert!(checks.is_ok(), "the blur check is named: {checks:?}");
        shot(s, r, "09-photo-blur").await;
        s.click("#photo-retake").await.expect("retake");
        // No camera under Xvfb: the app says so and offers the file.
        s.wait_for_text("#photo-error", "カメラ")
            .await
            .expect("no camera said");
    }
    import_photo(s, "good.jpg").await;
    s.wait_for_text("#photo-verdict", "基準を満たしています")
        .await
        .expect("the good photo passes");
    s.wait_for("#photo-digital")
        .await
        .expect("the framed digital photo is shown");
    shot(s, r, "09-photo").await;
    s.click("#photo-use").await.expect("use photo");
    next(s, "備考").await;
    if r.label == ADULT.label {
        // A 個人番号 in a note is refused with an explanation and never stored.
        s.type_into("#notes", "個人番号 1234 5678 9018 を言われた")
            .await
            .expect("notes");
        s.click("#record-next").await.expect("next");
        s.wait_for_text("#issue-notes", "個人番号は入力・保存できません")
            .await
            .expect("the 個人番号 guard");
        shot(s, r, "10-notes-my-number").await;
        s.clear("#notes").await.expect("clear");
        s.type_into("#notes", "車椅子で来場").await.expect("notes");
    }
    shot(s, r, "10-notes").await;
    next(s, "内容の確認").await;
    let review = s
        .wait_for_text("#review", r.kana_shown)
        .await
        .expect("review");
    assert!(review.contains(r.birth_shown), "{review}");
    assert!(review.contains(r.application_id), "{review}");
    assert!(
        review.contains(if uketsuke { "郵送" } else { "窓口受取" }),
        "{review}"
    );
    let html = s.source().await.expect("source");
    assert!(
        !html.contains("trip-records") && !html.contains("出張先の一覧"),
        "the review the applicant reads offers no way to other records"
    );
    shot(s, r, "11-review").await;
    s.click("#record-finalize").await.expect("finalize");
    s.wait_for_text("#record-title", "確定しました")
        .await
        .expect("finalized");
    shot(s, r, "12-finalized").await;
    s.click("#record-done").await.expect("done");
    s.wait_for("#trip-screen").await.expect("back to the trip");
}

/// Waits until the input's value starts with `prefix`; returns it.
pub(crate) async fn wait_value(s: &mut Session, css: &str, prefix: &str) -> String {
    for _ in 0..50 {
        let el = s.wait_for(css).await.expect("input");
        let v = el.prop("value").await.ok().flatten().unwrap_or_default();
        if v.starts_with(prefix) {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css} never held {prefix}");
}

pub(crate) async fn make_trip(s: &mut Session, site: &str, address: &str, mode: &str) {
    s.click("#trip-add").await.expect("add trip");
    s.type_into("#trip-site", site).await.expect("site");
    s.type_into("#trip-address", address)
        .await
        .expect("address");
    s.click(&format!("#trip-mode-{mode}")).await.expect("mode");
    s.type_into("#trip-expected", "30").await.expect("expected");
    s.screenshot(&format!("new-trip-{mode}"))
        .await
        .expect("screenshot");
    s.click("#trip-create").await.expect("create");
    s.wait_for_text("#trip-title", site)
        .await
        .expect("trip screen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Xvfb, tauri-driver and the built app: run `make e2e`"]
async fn three_residents_through_the_whole_record_offline_then_the_tally() {
    // Nothing listens on port 9: the office is out of reach all day.
    let mut s = Session::start_with("capture", &[("OUTREACH_SERVER_URL", "http://127.0.0.1:9")])
        .await
        .expect("the app starts");
    s.wait_for("#signin-screen").await.expect("sign-in");
    s.sign_in().await.expect("signed in");
    s.wait_for("#no-trips").await.expect("no trips pushed");
    s.screenshot("trips-none").await.expect("screenshot");

    // The form's QR code: the 23-digit ID is taken from whatever it holds, and a code
    // without one is said plainly (the camera itself is not there under Xvfb).
    let read = |text: &'static str| {
        let client = s.client().clone();
        async move {
            client
                .execute_async(
                    "const [text, done] = arguments;
                     window.__TAURI_INTERNALS__.invoke('application_id_from_qr', { text })
                       .then(done, (e) => done({ failed: e }));",
                    vec![serde_json::json!(text)],
                )
                .await
                .expect("application_id_from_qr answers")
        }
    };
    assert_eq!(
        read("J-LIS;ID=12345678901234567890123;V=1").await,
        serde_json::json!("12345678901234567890123")
    );
    let none = read("https://www.kojinbango-card.go.jp/").await;
    assert!(
        none["failed"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("申請書IDが含まれていません")),
        "{none}"
    );

    make_trip(
        &mut s,
        "株式会社サンプル工業 太田工場",
        "群馬県太田市浜町2-35",
        "uketsuke",
    )
    .await;
    s.screenshot("trip-uketsuke-empty")
        .await
        .expect("screenshot");
    take(&mut s, &ADULT, true).await;
    take(&mut s, &CHILD, true).await;
    let list = s
        .wait_for_text("#trip-records", "太田　蓮")
        .await
        .expect("list");
    assert!(
        list.contains("送信待ち"),
        "finalized records wait for the office: {list}"
    );
    let tally = s.wait_for_text("#trip-tally", "確定").await.expect("tally");
    s.screenshot("trip-uketsuke-tally")
        .await
        .expect("screenshot");
    println!("uketsuke tally: {}", tally.replace('\n', " "));
    assert!(
        tally.replace('\n', "").contains("写真撮り直し1"),
        "the retake is counted: {tally}"
    );

    s.click("#trip-back").await.expect("back");
    make_trip(&mut s, "ケアホーム西新", "群馬県太田市西新町100", "support").await;
    take(&mut s, &SUPPORT_ADULT, false).await;
    let list = s
        .wait_for_text("#trip-records", "新井　一郎")
        .await
        .expect("list");
    assert!(
        list.contains("窓口受取"),
        "サポート means counter pickup: {list}"
    );
    s.screenshot("trip-support-tally")
        .await
        .expect("screenshot");

    s.click("#trip-back").await.expect("back");
    let day = s
        .wait_for_text("#day-tally", "受付 2件（郵送 2・窓口受取 0）")
        .await
        .expect("the day's tally");
    assert!(day.contains("サポート 1件"), "{day}");
    assert!(day.contains("未完了 0件"), "{day}");
    s.screenshot("day-tally").await.expect("screenshot");

    // An amendment: the adult plans to move after all. The earlier version stays.
    open_trip(&mut s, "株式会社サンプル工業").await;
    open_record(&mut s, ADULT.name).await;
    s.wait_for_text("#record-history", "第1版")
        .await
        .expect("history");
    s.screenshot("record-view").await.expect("screenshot");
    s.click("#view-amend").await.expect("amend");
    s.wait_for_text("#record-title", "訂正：申請書ID")
        .await
        .expect("amend starts");
    for title in [
        "氏名",
        "生年月日",
        "住所",
        "電子証明書",
        "本人確認書類",
        "郵送の条件",
    ] {
        next(&mut s, title).await;
    }
    s.click("#mail-noMovePlanned-no")
        .await
        .expect("move planned");
    s.wait_for_text("#delivery-verdict", "窓口受取")
        .await
        .expect("counter pickup");
    s.screenshot("amend-mailing-counter")
        .await
        .expect("screenshot");
    for title in ["顔写真", "備考", "内容の確認"] {
        next(&mut s, title).await;
    }
    s.type_into("#amend-reason", "転居予定があると申し出があったため")
        .await
        .expect("reason");
    s.screenshot("amend-review").await.expect("screenshot");
    s.click("#record-finalize").await.expect("save amendment");
    s.wait_for_text("#record-title", "訂正を保存しました")
        .await
        .expect("amended");
    s.click("#record-done").await.expect("done");
    let list = s
        .wait_for_text("#trip-records", "訂正1")
        .await
        .expect("list shows the amendment");
    assert!(list.contains("窓口受取"), "{list}");
    open_record(&mut s, ADULT.name).await;
    let history = s
        .wait_for_text("#record-history", "第2版")
        .await
        .expect("history");
    assert!(
        history.contains("第1版") && history.contains("転居予定"),
        "{history}"
    );
    s.screenshot("record-history").await.expect("screenshot");
    s.click("#view-back").await.expect("back");

    // A second record with the adult's 申請書ID is flagged as a duplicate.
    s.click("#record-new").await.expect("new record");
    s.type_into("#app-id-1", ADULT.application_id)
        .await
        .expect("type");
    s.type_into("#app-id-2", ADULT.application_id)
        .await
        .expect("type");
    s.click("#record-next").await.expect("next");
    s.wait_for_text("#issue-applicationId", "すでに使われています")
        .await
        .expect("duplicate flagged");
    s.screenshot("duplicate-id").await.expect("screenshot");
    s.finish().await.expect("finish");
}

/// Hands a test photo to the photo step's file input, as choosing the file does.
async fn import_photo(s: &mut Session, name: &str) {
    use base64::Engine;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/photo/tests/photos")
        .join(name);
    let b64 =
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(&path).expect("test photo"));
    s.wait_for("#photo-file").await.expect("file input");
    s.client()
        .execute(
            "const [b64, name] = arguments;
             const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
             const dt = new DataTransfer();
             dt.items.add(new File([bytes], name, { type: 'image/jpeg' }));
             const input = document.querySelector('#photo-file');
             input.files = dt.files;
             input.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![serde_json::json!(b64), serde_json::json!(name)],
        )
        .await
        .expect("choose the file");
}

/// Puts `text` into the field as a paste does (WebDriver cannot type emoji).
async fn paste(s: &mut Session, css: &str, text: &str) {
    s.wait_for(css).await.expect("field");
    s.client()
        .execute(
            "const [css, text] = arguments; const el = document.querySelector(css);
             el.value = text; el.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![serde_json::json!(css), serde_json::json!(text)],
        )
        .await
        .expect("paste");
}

async fn open_trip(s: &mut Session, site: &str) {
    let el = s.wait_for("#trips-screen").await.expect("trips");
    for b in el
        .find_all(fantoccini::Locator::Css("button.trip"))
        .await
        .expect("trips")
    {
        if b.text().await.unwrap_or_default().contains(site) {
            b.click().await.expect("open trip");
            s.wait_for_text("#trip-title", site).await.expect("trip");
            return;
        }
    }
    panic!("no trip {site}");
}

async fn open_record(s: &mut Session, name: &str) {
    let table = s.wait_for("#trip-records").await.expect("records");
    for b in table
        .find_all(fantoccini::Locator::Css("button.link"))
        .await
        .expect("links")
    {
        if b.text().await.unwrap_or_default() == name {
            b.click().await.expect("open record");
            s.wait_for("#record-view").await.expect("record view");
            return;
        }
    }
    panic!("no record {name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Xvfb, tauri-driver and the built app: run `make e2e`"]
async fn input_kept_at_an_idle_lock_comes_back_after_sign_in() {
    let mut s = Session::start_with(
        "capture-idle",
        &[
            ("OUTREACH_SERVER_URL", "http://127.0.0.1:9"),
            ("OUTREACH_IDLE_LOCK_SECS", "6"),
        ],
    )
    .await
    .expect("the app starts");
    s.wait_for("#signin-screen").await.expect("sign-in");
    s.sign_in().await.expect("signed in");
    make_trip(
        &mut s,
        "株式会社サンプル工業 太田工場",
        "群馬県太田市浜町2-35",
        "uketsuke",
    )
    .await;
    s.click("#record-new").await.expect("new record");
    s.type_into("#app-id-1", ADULT.application_id)
        .await
        .expect("type");
    s.type_into("#app-id-2", ADULT.application_id)
        .await
        .expect("type");
    next(&mut s, "氏名・フリガナ").await;
    s.type_into("#name", "太田　花子").await.expect("name");
    // Left alone: the tablet locks, keeping the unsaved name encrypted in the vault.
    let notice = s
        .wait_for_text("#sign-in-notice", "暗号化して保存")
        .await
        .expect("locked, input kept");
    assert!(
        !s.source().await.expect("source").contains("太田　花子"),
        "{notice}"
    );
    s.screenshot("locked-with-input").await.expect("screenshot");
    s.sign_in().await.expect("signed in again");
    s.screenshot("after-sign-in").await.expect("screenshot");
    s.wait_for_text("#record-title", "氏名・フリガナ")
        .await
        .expect("back on the step");
    let name = wait_value(&mut s, "#name", "太田").await;
    assert_eq!(name, "太田　花子", "the unsaved name comes back");
    s.screenshot("restored").await.expect("screenshot");
    s.finish().await.expect("finish");
}
