/** Every string the office console shows (Japanese). */
export const t = {
  appName: 'Outreach 事務所コンソール',
  signIn: { title: '職員サインイン', staffId: '職員ID', password: 'パスワード', submit: 'サインイン', failed: '職員IDまたはパスワードが違います。' },
  signOut: 'サインアウト',
  nav: { trips: '出張予定', review: '受付記録の確認', cards: 'カード到着・発送', returned: '返戻物', tally: '窓口・電話', reports: '報告書' },
  mode: { uketsuke: '受付', support: 'サポート', unknown: '不明' } as Record<string, string>,
  delivery: { mail: '郵送', counter: '窓口受取', unknown: '不明' } as Record<string, string>,
  stage: { received: '申請受付', shipped: '発送', preissue: '交付前設定', issued: '交付' } as Record<string, string>,
  issue: {
    photo_failure: '写真不適合',
    photo_warning: '写真注意',
    photo_exception: '写真例外',
    documents_missing: '本人確認書類不足',
    counter_pickup: '窓口受取',
    no_application_id: '申請書IDなし',
    amended: '訂正あり',
  } as Record<string, string>,
  reason: { unclaimed: '保管期限経過', moved: '転居', unknown: '宛所不明', other: 'その他' } as Record<string, string>,
  resolution: { redelivered: '再送済み', collected: '窓口交付済み', destroyed: '廃棄済み' } as Record<string, string>,
  trips: {
    title: '出張予定',
    site: '会場', address: '会場住所', date: '日付', mode: '区分', expected: '予定人数', staff: '担当職員ID（カンマ区切り）',
    arrived: '受信', flagged: '要確認', create: '出張を登録', created: '出張を登録しました。タブレットは次の同期で受け取ります。',
  },
  review: { title: '受付記録の確認', onlyFlagged: '要確認のみ', none: '記録はありません。', photos: '写真', history: '訂正履歴', stage: '状況', open: '開く', close: '閉じる', fields: '変更された項目', reason: '理由' },
  cards: {
    title: 'カード到着・発送', label: '便名', deliveredOn: '納品日', ids: '申請書ID（1行に1件、スキャン可）', add: '照合して登録',
    csv: 'CSVで取り込む（UTF-8、「申請書ID」列）', importCsv: 'CSVを取り込む', deadline: '発送期限', overdue: '期限超過', matched: '照合', unmatched: '該当なし',
    toMail: '郵送対象', mailing: '発送リスト', markMailed: '発送済みにする', mailedOn: '発送日', problems: '取り込めませんでした。何も登録していません。', row: '行',
  },
  returned: {
    title: '返戻物', applicationId: '申請書ID', reason: '理由', returnedOn: '返戻日', note: '備考', add: '返戻物を登録',
    contacts: '連絡記録', contactedAt: '日時', outcome: '結果', nextStep: '次の対応', addContact: '連絡を記録',
    destroyOn: '廃棄予定日', due: '廃棄対象', open: '対応中',
  },
  tally: {
    title: '窓口・電話', date: '日付', place: '窓口', kind: '区分', issueSupport: '交付等支援', other: 'その他', detail: '内訳', count: '件数',
    addCounter: '窓口対応を記録', topic: '内容', answer: '回答', addPhone: '電話対応を記録', counter: '窓口対応', phone: '電話対応',
  },
  reports: { title: '報告書', daily: '日次', monthly: '月次', date: '日付', month: '月', show: '表示', download: 'ダウンロード', perDay: '申請件数（日別）', perSite: '申請件数（会場別）' },
  photoRole: { original: '撮影時の写真', digital: '申請用（データ）', print: '印刷用' } as Record<string, string>,
  saved: '保存しました。',
};
