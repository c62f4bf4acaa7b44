/**
 * Every string the tablet UI shows. Japanese is the only language for now; components read
 * from `t` and never hold literal UI text, so a second language is a second dictionary.
 */
export const t = {
  appName: 'Outreach 出張申請',
  signIn: {
    title: '職員サインイン',
    staffId: '職員ID',
    staffIdHint: '英数字（全角でも入力できます）',
    password: 'パスワード',
    submit: 'サインイン',
    submitting: '確認中…',
    showPassword: '表示',
    hidePassword: '隠す',
    showPasswordLabel: 'パスワードを表示',
    hidePasswordLabel: 'パスワードを隠す',
  },
  validation: {
    staffIdRequired: '職員IDを入力してください。',
    staffIdCharacters: '職員IDに使えるのは英数字と「.」「_」「-」だけです。',
    staffIdTooLong: '職員IDは32文字以内で入力してください。',
    passwordRequired: 'パスワードを入力してください。',
  },
  session: {
    /** Why the tablet locked: after idle time, or because it was put away (hidden, minimised). */
    idle: {
      locked: '一定時間操作がなかったため、ロックしました。もう一度サインインしてください。',
      lockedKept:
        '一定時間操作がなかったため、ロックしました。入力中の内容は暗号化して保存しています。もう一度サインインしてください。',
      lockedNotKept:
        '一定時間操作がなかったため、ロックしました。入力中の内容は保存できませんでした。もう一度サインインしてください。',
    },
    hidden: {
      locked: '画面が閉じられたため、ロックしました。もう一度サインインしてください。',
      lockedKept:
        '画面が閉じられたため、ロックしました。入力中の内容は暗号化して保存しています。もう一度サインインしてください。',
      lockedNotKept:
        '画面が閉じられたため、ロックしました。入力中の内容は保存できませんでした。もう一度サインインしてください。',
    },
  },
  enrol: {
    title: '端末の登録',
    intro:
      'この端末はまだ事務所に登録されていません。事務所の画面に表示された登録用QRコードの内容（文字）を、下の欄に貼り付けてください。',
    codeLabel: '登録コード',
    codeHint: '「{\"kind\":\"outreach-enrolment\"」で始まる文字をそのまま貼り付けます',
    next: '次へ',
    camera: 'カメラで読み取る',
    cameraStop: '読み取りをやめる',
    cameraHint: '事務所の画面のQRコードを、枠の中に写してください。',
    cameraUnavailable: 'この端末ではカメラを使えません。登録コードの文字を貼り付けてください。',
    back: 'コードを入れ直す',
    server: '接続先',
    expires: '有効期限',
    expiresAt: (time: string) => `${time} まで`,
    staffIntro: '最初にこの端末を使う職員の職員IDとパスワードを入力してください。事務所の職員名簿とパスワードで確認します。',
    submit: '登録してサインイン',
    submitting: '登録中…',
    codeRequired: '登録コードを貼り付けてください。',
    notACode:
      'これは端末登録用のコードではありません。事務所の画面に表示された登録用QRコードの内容を、そのまま貼り付けてください。',
    expired: 'この登録コードは有効期限が切れています。事務所で新しい登録コードを発行してもらってください。',
  },
  reenrol: {
    open: '端末を再登録',
    title: '端末の再登録',
    intro:
      '管理者が事務所の画面で発行した新しい登録用QRコードを読み取るか、その内容（文字）を貼り付けてください。この端末の記録・下書き・職員名簿はすべてそのまま残り、未送信の記録は再登録のあと一度だけ送信されます。',
    submit: '再登録する',
    submitting: '再登録中…',
    cancel: 'やめる',
    done: (expires: string, waiting: number) =>
      `再登録しました。登録の有効期限は ${expires} です。` +
      (waiting > 0 ? `未送信の記録${waiting}件をこれから送信します。` : ''),
  },
  home: {
    welcome: (staffName: string) => `ようこそ、${staffName}さん`,
    signOut: 'サインアウト',
  },
  sync: {
    title: '事務所への送信',
    sendNow: '今すぐ送信',
    states: {
      queued: '送信待ち',
      sending: '送信中',
      awaitingConfirmation: '受領確認待ち',
      sent: '送信済み',
      failed: '失敗',
    },
    count: (n: number) => `${n}件`,
    phase: {
      locked: 'サインインすると送信を始めます。',
      not_enrolled: 'この端末は事務所に登録されていないため、送信できません。',
      probing: '事務所サーバーを確認しています…',
      syncing: '送信しています…',
      idle: '待機中です。新しい記録は自動で送信します。',
      offline: '事務所サーバーに接続できません。つながりしだい自動で送信します。',
      wrong_server:
        '接続先のサーバーの鍵が登録時のものと一致しないため、送信を止めています。事務所に連絡してください。',
      incompatible: '事務所サーバーのバージョンがこのアプリと合いません。アプリを更新してください。',
      retrying: '送信が途中で止まりました。送れた分は保たれています。少し待ってから続きを送ります。',
      credential_rejected:
        '事務所がこの端末の登録を受け付けなくなりました。管理者に新しい登録コードを発行してもらい、「端末を再登録」してください。記録は端末に残っています。',
      credential_expired:
        'この端末の登録の有効期限が切れました。管理者に新しい登録コードを発行してもらい、「端末を再登録」してください。記録は端末に残っています。',
      revoked: 'この端末の登録は事務所で取り消されました。',
    },
    credentialSoon: (days: number) =>
      days <= 0
        ? '【管理者へ】この端末の登録の有効期限は今日までです。事務所サーバーにつなぐと自動で更新されます。'
        : `【管理者へ】この端末の登録の有効期限まであと${days}日です。事務所サーバーにつなぐと自動で更新されます。`,
    credentialPast: '【管理者へ】この端末の登録の有効期限が切れています。新しい登録コードで再登録してください。',
    nextAttempt: (seconds: number) => `${seconds}秒後にもう一度試します。`,
    items: (sent: number, total: number) => `記録 ${sent} / ${total}件`,
    bytes: (done: string, total: string) => `写真 ${done} / ${total}`,
    speed: (speed: string) => `速度 ${speed}`,
    lastSuccess: '最後に送信が完了した時刻',
    never: 'まだありません',
    allSent: 'すべての記録が事務所に届いています。電源を切っても大丈夫です。',
    nothingYet: '送信する記録はありません。電源を切っても大丈夫です。',
    waiting: (n: number) =>
      `事務所にまだ届いていない記録が${n}件あります。記録は端末内に暗号化して保存されているので、電源を切っても失われません。次に事務所サーバーにつながったときに自動で送信します。`,
    failedNote: (n: number) =>
      `事務所が受け付けなかった記録が${n}件あります。理由を確かめて、事務所に連絡してください。`,
    unknownOutbox: '送信の状況はサインイン後に表示します。',
    failures: '受け付けられなかった記録',
    record: (id: string, version: number) => `記録 ${id.slice(0, 8)}…（第${version}版）`,
    reasons: {
      office_conflict: '事務所に同じ版の別の内容があります（競合）。',
      my_number_refused: '個人番号と思われる内容が含まれているため、受け付けられませんでした。',
      unknown_record_format: 'このアプリの記録形式を事務所が受け付けませんでした。アプリを更新してください。',
      unknown_base_version: '修正の元になる版が事務所にありません。',
      invalid_record: '記録の形式に誤りがあるため、受け付けられませんでした。',
      payload_hash_mismatch: '記録の内容が送信中に変わったため、受け付けられませんでした。',
    } as Record<string, string>,
    otherReason: (code: string) => `事務所が受け付けませんでした（${code}）。`,
    revokedNotice:
      'この端末の登録は事務所で取り消されました。端末内の鍵を消去したため、データは事務所でのみ復旧できます。端末を事務所に返却してください。',
  },
  status: {
    server: '事務所サーバー',
    connected: '接続あり',
    disconnected: '接続なし',
    unset: '未設定',
    afterSignIn: 'サインイン後に確認',
    checking: '確認中…',
    unknownReason: '理由不明',
    serverVersion: (version: string) => `バージョン ${version}`,
    appVersion: (version: string) => `アプリ v${version}`,
  },
  error: {
    unexpected: '予期しないエラーが発生しました。',
  },
} as const;
