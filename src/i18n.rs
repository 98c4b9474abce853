//! English and Japanese: the language choice and the few words of the tool's own (rule texts live in
//! the rules' metadata).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    /// Japanese when the locale says so (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, as POSIX orders them).
    pub fn from_locale(get: impl Fn(&str) -> Option<String>) -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].into_iter().find_map(|k| get(k).filter(|v| !v.is_empty()));
        match locale {
            Some(l) if l.to_ascii_lowercase().starts_with("ja") => Lang::Ja,
            _ => Lang::En,
        }
    }

    pub fn pick<'a>(self, en: &'a str, ja: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Ja => ja,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.pick("en", "ja")
    }

    pub fn t(self, text: Ui) -> &'static str {
        use Ui::*;
        let (en, ja) = match text {
            Severity => ("Severity", "重大度"),
            Rule => ("Rule", "ルール"),
            Status => ("Status", "状態"),
            Resource => ("Resource", "リソース"),
            Message => ("Message", "内容"),
            Pass => ("pass", "合格"),
            Fail => ("fail", "不合格"),
            Unknown => ("unknown", "不明"),
            NotApplicable => ("n/a", "対象外"),
            Suppressed => ("suppressed", "抑制"),
            Failures => ("Failures by severity", "重大度別の不合格"),
            Results => ("Results", "結果"),
            Gate => ("Gate", "ゲート"),
            GateTripped => ("tripped", "不合格（終了コード 1）"),
            GatePassed => ("passed", "合格"),
            NoFindings => ("No failures or unknowns.", "不合格・不明の結果はありません。"),
            Scanned => ("Scanned", "スキャン対象"),
            Registries => ("registries", "レジストリ"),
            Vaults => ("vaults", "キー コンテナー"),
            NotSeen => ("Could not be read", "読み取れなかった範囲"),
            UnknownInput => ("{field} could not be determined: {reason}", "{field} を判定できません: {reason}"),
            Remediation => ("Remediation", "修正方法"),
            References => ("References", "参考資料"),
            CrossReferences => ("Cross-references", "対応する他の基準"),
            Parameters => ("Parameters", "パラメーター"),
            LiveOnly => ("Needs a live scan", "ライブ スキャンが必要"),
            Yes => ("yes", "はい"),
            No => ("no", "いいえ"),
            Name => ("Name", "名前"),
            Code => ("Code", "コード"),
            Title => ("Title", "タイトル"),
            UnknownWhen => ("Unknown when these are unknown", "次のデータが不明なら不明"),
        };
        self.pick(en, ja)
    }
}

/// The tool's own words, translated in [`Lang::t`].
#[derive(Debug, Clone, Copy)]
pub enum Ui {
    Severity,
    Rule,
    Status,
    Resource,
    Message,
    Pass,
    Fail,
    Unknown,
    NotApplicable,
    Suppressed,
    Failures,
    Results,
    Gate,
    GateTripped,
    GatePassed,
    NoFindings,
    Scanned,
    Registries,
    Vaults,
    NotSeen,
    UnknownInput,
    Remediation,
    References,
    CrossReferences,
    Parameters,
    LiveOnly,
    Yes,
    No,
    Name,
    Code,
    Title,
    UnknownWhen,
}

/// Replaces `{name}` placeholders with values; an unmatched placeholder stays as written.
pub fn fill(template: &str, args: &[(&str, String)]) -> String {
    let mut out = template.to_string();
    for (k, v) in args {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_locale_selects_japanese_and_lc_all_wins() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(Lang::from_locale(env(&[("LANG", "ja_JP.UTF-8")])), Lang::Ja);
        assert_eq!(Lang::from_locale(env(&[("LC_ALL", "C"), ("LANG", "ja_JP.UTF-8")])), Lang::En);
        assert_eq!(Lang::from_locale(env(&[])), Lang::En);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill("vault {vault}: {reason}", &[("vault", "kv".into()), ("reason", "404".into())]),
            "vault kv: 404"
        );
    }
}
