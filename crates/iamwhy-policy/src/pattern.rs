//! Compiled string patterns: wildcards (`*`, `?`) and policy variables (`${key}`).
//!
//! Spec §2.3/§2.4 (wildcards in actions and resources), §3.2 (`StringLike`, `ArnLike`) and §3.6
//! (policy variables). A pattern is compiled once, when its policy is parsed, into a list of
//! pieces; matching walks the pieces against the request text without allocating. Text that
//! comes from a variable or from the escapes `${*}`, `${?}`, `${$}` is always literal: a `*`
//! inside a substituted value is not a wildcard.

/// A reference to a context key inside `${...}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    /// The key as written.
    pub key: Box<str>,
    /// The key in lower case, for context look-ups.
    pub key_lower: Box<str>,
    /// The default given as `${key, 'default'}`.
    pub default: Option<Box<str>>,
}

/// One piece of a compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Text matched literally.
    Literal(Box<str>),
    /// `*`: any run of characters, possibly empty.
    AnyRun,
    /// `?`: exactly one character.
    AnyChar,
    /// `${key}`: the value of a single-valued context key, matched literally.
    Variable(Variable),
}

/// How letters compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseFold {
    /// Exactly.
    Sensitive,
    /// ASCII letters ignore case (actions, ARN partition/service/region/account fields).
    Ascii,
    /// Unicode simple lower-casing on both sides (`StringEqualsIgnoreCase`).
    Unicode,
}

/// Looks up the value of a variable; `None` when the key is absent or multi-valued.
pub trait VariableResolver {
    /// The single value of the (lower-case) key, if it has one.
    fn resolve(&self, key_lower: &str) -> Option<&str>;
}

/// A resolver that knows no keys.
pub struct NoVariables;

impl VariableResolver for NoVariables {
    fn resolve(&self, _key_lower: &str) -> Option<&str> {
        None
    }
}

/// The result of matching a pattern that may contain variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternMatch {
    /// The text matches.
    Match,
    /// The text does not match.
    NoMatch,
    /// A variable without default could not be resolved (spec §3.6): callers decide what
    /// that means (no match for `Resource` and positive operators, not-equal for negated
    /// operators).
    Unresolved,
}

/// Fast shapes recognised at compile time for patterns without variables.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Shape {
    Anything,
    Exact(Box<str>),
    Prefix(Box<str>),
    Suffix(Box<str>),
    General,
}

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    pieces: Box<[Piece]>,
    shape: Shape,
    has_variables: bool,
}

/// Whether `${...}` policy variables are recognised (policy `Version` `2012-10-17`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variables {
    /// Variables and escapes are substituted.
    Substitute,
    /// `${...}` is literal text (`Version` `2008-10-17` or absent).
    Literal,
}

/// Whether `*` and `?` are wildcards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wildcards {
    /// `*` and `?` are wildcards.
    Glob,
    /// `*` and `?` are literal characters (`StringEquals`).
    Literal,
}

impl Pattern {
    /// Compiles `text`.
    pub fn compile(text: &str, wildcards: Wildcards, variables: Variables) -> Pattern {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let flush = |literal: &mut String, pieces: &mut Vec<Piece>| {
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(literal).into_boxed_str()));
            }
        };
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if variables == Variables::Substitute
                && rest.starts_with("${")
                && let Some((piece, consumed)) = parse_variable(rest)
            {
                match piece {
                    Piece::Literal(s) => literal.push_str(&s),
                    other => {
                        flush(&mut literal, &mut pieces);
                        pieces.push(other);
                    }
                }
                rest = rest.get(consumed..).unwrap_or("");
                continue;
            }
            match c {
                '*' if wildcards == Wildcards::Glob => {
                    flush(&mut literal, &mut pieces);
                    // Consecutive stars mean the same as one.
                    if pieces.last() != Some(&Piece::AnyRun) {
                        pieces.push(Piece::AnyRun);
                    }
                }
                '?' if wildcards == Wildcards::Glob => {
                    flush(&mut literal, &mut pieces);
                    pieces.push(Piece::AnyChar);
                }
                c => literal.push(c),
            }
            rest = rest.get(c.len_utf8()..).unwrap_or("");
        }
        flush(&mut literal, &mut pieces);
        Pattern::from_pieces(pieces)
    }

    fn from_pieces(pieces: Vec<Piece>) -> Pattern {
        let has_variables = pieces.iter().any(|p| matches!(p, Piece::Variable(_)));
        let shape = match pieces.as_slice() {
            _ if has_variables => Shape::General,
            [] => Shape::Exact("".into()),
            [Piece::AnyRun] => Shape::Anything,
            [Piece::Literal(s)] => Shape::Exact(s.clone()),
            [Piece::Literal(s), Piece::AnyRun] => Shape::Prefix(s.clone()),
            [Piece::AnyRun, Piece::Literal(s)] => Shape::Suffix(s.clone()),
            _ => Shape::General,
        };
        Pattern {
            pieces: pieces.into_boxed_slice(),
            shape,
            has_variables,
        }
    }

    /// The compiled pieces.
    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// Whether the pattern refers to context keys.
    pub fn has_variables(&self) -> bool {
        self.has_variables
    }

    /// Whether the pattern contains `*` or `?` wildcards.
    pub fn has_wildcards(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::AnyRun | Piece::AnyChar))
    }

    /// Whether the pattern is exactly `*`.
    pub fn is_anything(&self) -> bool {
        self.shape == Shape::Anything
    }

    /// The variables the pattern refers to.
    pub fn variables(&self) -> impl Iterator<Item = &Variable> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Variable(v) => Some(v),
            _ => None,
        })
    }

    /// Matches a pattern without variables (variables count as unresolved).
    pub fn matches_plain(&self, text: &str, fold: CaseFold) -> bool {
        self.matches(text, fold, &NoVariables) == PatternMatch::Match
    }

    /// Matches `text`, resolving variables through `vars`.
    pub fn matches<'a>(
        &'a self,
        text: &str,
        fold: CaseFold,
        vars: &'a dyn VariableResolver,
    ) -> PatternMatch {
        let hit = |b: bool| {
            if b {
                PatternMatch::Match
            } else {
                PatternMatch::NoMatch
            }
        };
        match &self.shape {
            Shape::Anything => return PatternMatch::Match,
            Shape::Exact(s) => return hit(text_eq(text, s, fold)),
            Shape::Prefix(p) => {
                return hit(text
                    .get(..p.len())
                    .is_some_and(|head| text_eq(head, p, fold)));
            }
            Shape::Suffix(p) => {
                return hit(text
                    .len()
                    .checked_sub(p.len())
                    .and_then(|start| text.get(start..))
                    .is_some_and(|tail| text_eq(tail, p, fold)));
            }
            Shape::General => {}
        }
        // Resolve every variable once up front so that an unresolved one is reported as
        // such, whatever the text.
        let mut unresolved = false;
        let resolve = |v: &'a Variable| -> Option<&'a str> {
            vars.resolve(&v.key_lower).or(v.default.as_deref())
        };
        for v in self.variables() {
            if resolve(v).is_none() {
                unresolved = true;
            }
        }
        if unresolved {
            return PatternMatch::Unresolved;
        }
        let atoms = Atoms {
            pieces: &self.pieces,
            resolve: &resolve,
        };
        hit(glob_match(&atoms, text, fold))
    }

    /// The text the pattern stands for once variables are substituted; wildcards are shown
    /// as written. `None` when a variable cannot be resolved.
    pub fn render(&self, vars: &dyn VariableResolver) -> Option<String> {
        let mut out = String::new();
        for piece in self.pieces.iter() {
            match piece {
                Piece::Literal(s) => out.push_str(s),
                Piece::AnyRun => out.push('*'),
                Piece::AnyChar => out.push('?'),
                Piece::Variable(v) => {
                    out.push_str(vars.resolve(&v.key_lower).or(v.default.as_deref())?);
                }
            }
        }
        Some(out)
    }
}

/// Parses `${...}` at the start of `text`: a variable, or an escape (`${*}`, `${?}`, `${$}`)
/// returned as a literal piece. `None` when the text is not a well-formed variable (it is then
/// literal text).
fn parse_variable(text: &str) -> Option<(Piece, usize)> {
    let close = text.find('}')?;
    let inner = text.get(2..close)?;
    let consumed = close.saturating_add(1);
    match inner {
        "*" | "?" | "$" => return Some((Piece::Literal(inner.into()), consumed)),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        Some((key, default)) => {
            let default = default.trim();
            let default = default
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))?;
            (key.trim(), Some(default))
        }
        None => (inner.trim(), None),
    };
    let valid_key = !key.is_empty()
        && key
            .chars()
            .all(|c| !c.is_whitespace() && !matches!(c, '{' | '}' | '$' | '\'' | ','));
    if !valid_key {
        return None;
    }
    Some((
        Piece::Variable(Variable {
            key: key.into(),
            key_lower: iamwhy_core::normalize_key(key).into_boxed_str(),
            default: default.map(Into::into),
        }),
        consumed,
    ))
}

fn char_eq(a: char, b: char, fold: CaseFold) -> bool {
    match fold {
        CaseFold::Sensitive => a == b,
        CaseFold::Ascii => a.eq_ignore_ascii_case(&b),
        CaseFold::Unicode => a == b || a.to_lowercase().eq(b.to_lowercase()),
    }
}

fn text_eq(a: &str, b: &str, fold: CaseFold) -> bool {
    match fold {
        CaseFold::Sensitive => a == b,
        CaseFold::Ascii => a.eq_ignore_ascii_case(b),
        CaseFold::Unicode => {
            a == b
                || a.chars()
                    .flat_map(char::to_lowercase)
                    .eq(b.chars().flat_map(char::to_lowercase))
        }
    }
}

/// The pieces of a pattern with variables resolved, walked atom by atom.
struct Atoms<'a, 'r> {
    pieces: &'a [Piece],
    resolve: &'r dyn Fn(&'a Variable) -> Option<&'a str>,
}

enum Atom {
    Char(char),
    AnyRun,
    AnyChar,
}

/// A position in the pattern: piece index and byte offset inside a literal piece.
#[derive(Clone, Copy)]
struct Pos {
    piece: usize,
    offset: usize,
}

impl<'a> Atoms<'a, '_> {
    fn literal_at(&self, piece: usize) -> Option<&'a str> {
        match self.pieces.get(piece)? {
            Piece::Literal(s) => Some(s),
            Piece::Variable(v) => Some((self.resolve)(v).unwrap_or("")),
            Piece::AnyRun | Piece::AnyChar => None,
        }
    }

    /// The atom at `pos` and the position after it; `None` at the end of the pattern.
    fn next(&self, mut pos: Pos) -> Option<(Atom, Pos)> {
        loop {
            let piece = self.pieces.get(pos.piece)?;
            match piece {
                Piece::AnyRun => {
                    return Some((
                        Atom::AnyRun,
                        Pos {
                            piece: pos.piece.saturating_add(1),
                            offset: 0,
                        },
                    ));
                }
                Piece::AnyChar => {
                    return Some((
                        Atom::AnyChar,
                        Pos {
                            piece: pos.piece.saturating_add(1),
                            offset: 0,
                        },
                    ));
                }
                Piece::Literal(_) | Piece::Variable(_) => {
                    let s = self.literal_at(pos.piece).unwrap_or("");
                    match s.get(pos.offset..).and_then(|r| r.chars().next()) {
                        Some(c) => {
                            let end = pos.offset.saturating_add(c.len_utf8());
                            let next = if end >= s.len() {
                                Pos {
                                    piece: pos.piece.saturating_add(1),
                                    offset: 0,
                                }
                            } else {
                                Pos {
                                    piece: pos.piece,
                                    offset: end,
                                }
                            };
                            return Some((Atom::Char(c), next));
                        }
                        None => {
                            pos = Pos {
                                piece: pos.piece.saturating_add(1),
                                offset: 0,
                            };
                        }
                    }
                }
            }
        }
    }
}

/// Wildcard matching with one backtrack point (enough for `*`/`?` globs).
fn glob_match(atoms: &Atoms<'_, '_>, text: &str, fold: CaseFold) -> bool {
    let mut p = Pos {
        piece: 0,
        offset: 0,
    };
    let mut t = 0usize;
    // Where to resume after the last `*`: pattern position after it and text position.
    let mut star: Option<(Pos, usize)> = None;
    loop {
        let text_char = text.get(t..).and_then(|r| r.chars().next());
        let atom = atoms.next(p);
        let advanced = match (&atom, text_char) {
            (Some((Atom::AnyRun, after)), _) => {
                star = Some((*after, t));
                p = *after;
                continue;
            }
            (Some((Atom::AnyChar, after)), Some(c)) => {
                p = *after;
                t = t.saturating_add(c.len_utf8());
                true
            }
            (Some((Atom::Char(pc), after)), Some(c)) if char_eq(*pc, c, fold) => {
                p = *after;
                t = t.saturating_add(c.len_utf8());
                true
            }
            (None, None) => return true,
            _ => false,
        };
        if advanced {
            continue;
        }
        // Mismatch (or one side ended): let the last `*` swallow one more character.
        match star {
            Some((after_star, star_t)) => {
                let Some(c) = text.get(star_t..).and_then(|r| r.chars().next()) else {
                    return false;
                };
                let resume = star_t.saturating_add(c.len_utf8());
                star = Some((after_star, resume));
                p = after_star;
                t = resume;
            }
            None => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Map(HashMap<&'static str, &'static str>);
    impl VariableResolver for Map {
        fn resolve(&self, key_lower: &str) -> Option<&str> {
            self.0.get(key_lower).copied()
        }
    }

    fn glob(p: &str) -> Pattern {
        Pattern::compile(p, Wildcards::Glob, Variables::Substitute)
    }

    #[test]
    fn wildcards_spec_2_4_worked_examples() {
        let p = glob("B/*/test/*");
        assert!(p.matches_plain("B/1/2/test/3/object.jpg", CaseFold::Sensitive));
        assert!(p.matches_plain("B//test/object.jpg", CaseFold::Sensitive));
        assert!(!p.matches_plain("B/test/object.jpg", CaseFold::Sensitive));
    }

    #[test]
    fn star_and_question_mark() {
        assert!(glob("*").matches_plain("", CaseFold::Sensitive));
        assert!(glob("a*").matches_plain("a", CaseFold::Sensitive));
        assert!(glob("*z").matches_plain("abcz", CaseFold::Sensitive));
        assert!(!glob("*z").matches_plain("abczx", CaseFold::Sensitive));
        assert!(glob("a?c").matches_plain("abc", CaseFold::Sensitive));
        assert!(glob("a?c").matches_plain("aéc", CaseFold::Sensitive));
        assert!(!glob("a?c").matches_plain("ac", CaseFold::Sensitive));
        assert!(glob("*a*b*").matches_plain("xxaxxbxx", CaseFold::Sensitive));
        assert!(!glob("*a*b*").matches_plain("xxbxxaxx", CaseFold::Sensitive));
        assert!(glob("get*object").matches_plain("GetObject", CaseFold::Ascii));
        assert!(!glob("get*object").matches_plain("GetObject", CaseFold::Sensitive));
        assert!(glob("**x").matches_plain("abx", CaseFold::Sensitive));
    }

    #[test]
    fn variables_resolve_literally_spec_3_6() {
        let vars = Map(HashMap::from([("aws:username", "a*b")]));
        let p = glob("home/${aws:username}/*");
        assert_eq!(
            p.matches("home/a*b/x", CaseFold::Sensitive, &vars),
            PatternMatch::Match
        );
        // The `*` that came from the variable is literal.
        assert_eq!(
            p.matches("home/aXXb/x", CaseFold::Sensitive, &vars),
            PatternMatch::NoMatch
        );
        let missing = glob("home/${aws:PrincipalTag/team}/*");
        assert_eq!(
            missing.matches("home/x/y", CaseFold::Sensitive, &vars),
            PatternMatch::Unresolved
        );
        let defaulted = glob("home/${aws:PrincipalTag/team, 'none'}/*");
        assert_eq!(
            defaulted.matches("home/none/y", CaseFold::Sensitive, &vars),
            PatternMatch::Match
        );
        assert_eq!(defaulted.render(&vars).unwrap(), "home/none/*");
    }

    #[test]
    fn escapes_are_literal_characters() {
        let p = glob("a${*}b${?}c${$}");
        assert!(p.matches_plain("a*b?c$", CaseFold::Sensitive));
        assert!(!p.matches_plain("axxb?c$", CaseFold::Sensitive));
        assert!(!p.has_variables());
    }

    #[test]
    fn version_2008_keeps_variables_as_text() {
        let p = Pattern::compile("home/${aws:username}", Wildcards::Glob, Variables::Literal);
        assert!(p.matches_plain("home/${aws:username}", CaseFold::Sensitive));
    }

    #[test]
    fn literal_wildcards_for_string_equals() {
        let p = Pattern::compile("a*", Wildcards::Literal, Variables::Substitute);
        assert!(p.matches_plain("a*", CaseFold::Sensitive));
        assert!(!p.matches_plain("ab", CaseFold::Sensitive));
    }

    #[test]
    fn unicode_case_folding() {
        let p = Pattern::compile("ÉTÉ", Wildcards::Literal, Variables::Literal);
        assert!(p.matches_plain("été", CaseFold::Unicode));
        assert!(!p.matches_plain("été", CaseFold::Ascii));
    }
}
