//! The texts of the starter site and of new items, in Japanese and English.

/// The texts of the starter site in one language.
pub(super) struct Starter {
    pub title: &'static str,
    pub description: &'static str,
    pub proc_title: &'static str,
    pub proc_summary: &'static str,
    pub step1: &'static str,
    pub step1_note: &'static str,
    pub step2: &'static str,
    pub first_title: &'static str,
    pub first_symptom: &'static str,
    pub first_intro: &'static str,
    pub forgot_title: &'static str,
    pub forgot_symptom: &'static str,
    pub forgot_intro: &'static str,
    pub forgot_when: &'static str,
    pub question: &'static str,
    pub answer_first: &'static str,
    pub answer_forgot: &'static str,
    pub page_title: &'static str,
    pub page_body: &'static str,
    pub new_procedure: &'static str,
    pub new_scenario: &'static str,
    pub new_page: &'static str,
    pub new_section: &'static str,
    pub new_step: &'static str,
    pub new_symptom: &'static str,
    pub new_text: &'static str,
    pub new_snippet: &'static str,
    pub new_body: &'static str,
}

const JA: Starter = Starter {
    title: "サインインのご案内",
    description: "ポータル サイトへのサインイン方法をご案内します。",
    proc_title: "ポータル サイトにサインインする",
    proc_summary: "ポータル サイトを開き、アカウントでサインインします。",
    step1: "Web ブラウザーで社内ポータル サイトを開き、画面右上の〔サインイン〕をクリックします。",
    step1_note: "ポータル サイトをブックマークしておくと、次回から簡単に開けます。",
    step2: "アカウント名とパスワードを入力し、〔サインイン〕をクリックします。",
    first_title: "初めてサインインする",
    first_symptom: "アカウントを受け取ったばかりで、まだ一度もサインインしていない。",
    first_intro: "管理者から届いたアカウント名と初期パスワードを用意してから、以下の手順を行ってください。",
    forgot_title: "パスワードを忘れた",
    forgot_symptom: "パスワードがわからず、サインインできない。",
    forgot_intro: "まず管理者にパスワードのリセットを依頼してください。連絡先は[お問い合わせ先](page:help#contact)にあります。",
    forgot_when: "新しいパスワードを受け取った",
    question: "どのような状況ですか?",
    answer_first: "初めてサインインする",
    answer_forgot: "パスワードを忘れた",
    page_title: "お問い合わせ先",
    page_body: "## 管理者への連絡 {#contact}\n\nサインインできないときは、社内ヘルプデスクまでご連絡ください。\n\n- メール: [helpdesk@example.com](mailto:helpdesk@example.com)\n",
    new_procedure: "新しい手順",
    new_scenario: "新しい状況",
    new_page: "新しいページ",
    new_section: "新しいセクション",
    new_step: "最初の手順をここに書きます。",
    new_symptom: "この状況に当てはまる読者が目にすることをここに書きます。",
    new_text: "この状況の説明をここに書きます。",
    new_snippet: "複数のページで共有する文章をここに書きます。",
    new_body: "## 見出し\n\n本文をここに書きます。\n",
};

const EN: Starter = Starter {
    title: "Signing in",
    description: "How to sign in to the portal.",
    proc_title: "Sign in to the portal",
    proc_summary: "Open the portal and sign in with your account.",
    step1: "Open the company portal in your web browser and click **Sign in** at the top right.",
    step1_note: "Bookmark the portal to open it quickly next time.",
    step2: "Enter your account name and password, then click **Sign in**.",
    first_title: "Signing in for the first time",
    first_symptom: "you have just received your account and have never signed in.",
    first_intro: "Have the account name and initial password your administrator sent you at hand, then follow these steps.",
    forgot_title: "You forgot your password",
    forgot_symptom: "you cannot sign in because you do not know your password.",
    forgot_intro: "First ask your administrator to reset your password: see [how to reach them](page:help#contact).",
    forgot_when: "you have received a new password",
    question: "What is your situation?",
    answer_first: "I am signing in for the first time",
    answer_forgot: "I forgot my password",
    page_title: "Getting help",
    page_body: "## Contact your administrator {#contact}\n\nIf you cannot sign in, contact the help desk.\n\n- Email: [helpdesk@example.com](mailto:helpdesk@example.com)\n",
    new_procedure: "New procedure",
    new_scenario: "New situation",
    new_page: "New page",
    new_section: "New section",
    new_step: "Write the first step here.",
    new_symptom: "write here what readers in this situation see.",
    new_text: "Describe the situation here.",
    new_snippet: "Write here the text that several pages share.",
    new_body: "## A heading\n\nWrite the page here.\n",
};

pub(super) fn starter(lang: &str) -> &'static Starter {
    if lang == "ja" || lang.starts_with("ja-") { &JA } else { &EN }
}

/// The languages that have starter texts of their own; the others get the English ones.
pub(super) fn has_own_texts(lang: &str) -> bool {
    lang == "ja" || lang.starts_with("ja-") || lang == "en" || lang.starts_with("en-")
}
