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
    locked: '一定時間操作がなかったため、ロックしました。もう一度サインインしてください。',
    lockedKept:
      '一定時間操作がなかったため、ロックしました。入力中の内容は暗号化して保存しています。もう一度サインインしてください。',
    lockedNotKept:
      '一定時間操作がなかったため、ロックしました。入力中の内容は保存できませんでした。もう一度サインインしてください。',
  },
  home: {
    welcome: (staffName: string) => `ようこそ、${staffName}さん`,
    signOut: 'サインアウト',
  },
  status: {
    server: '事務所サーバー',
    connected: '接続あり',
    disconnected: '接続なし',
    unset: '未設定',
    checking: '確認中…',
    unknownReason: '理由不明',
    serverVersion: (version: string) => `バージョン ${version}`,
    appVersion: (version: string) => `アプリ v${version}`,
  },
  error: {
    unexpected: '予期しないエラーが発生しました。',
  },
} as const;
