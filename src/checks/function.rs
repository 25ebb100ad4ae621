//! `<function>::isolated` and `<function>::anon`: a SECURITY DEFINER function runs with its
//! owner's rights, around row level security. Called as a principal of tenant A with tenant B's
//! ids (as the anonymous role with A's), it must fail, or return the same rows as once the other
//! tenants' rows are deleted; either way it must change none of their rows.
//!
//! What it changed is read as the superuser before and after one kept call (every row of the
//! watched tenants in every tenant-scoped table, B's tenant row included), then the call is
//! undone (back to a mark) and its answers compared by [`interference::depends_on`]. A call that
//! fails as a refusal (`RAISE`, a missing privilege, a constraint) passes; one that fails
//! otherwise (a type error, a value its type refused) could not test, and says which `calls`
//! entry would settle the arguments.

use super::machinery::arguments::{self, Ids, Source};
use super::machinery::behaviour::{self, Run};
use super::machinery::interference::{self, Pair, Scoped, Who, gone, user, whose_short};
use super::machinery::repair::{Repair, Step};
use super::{Check, Context, Failure, Verdict};
use crate::catalog::Function;
use crate::location::Location;
use crate::names::{TableName, ident};
use crate::plan::{Acting, function};
use crate::spec::{PathEntry, Tenancy};

/// `<function>::isolated` / `<function>::anon`, as the plan states it.
pub struct Promise<'a>(pub &'a TableName, pub &'a str, pub Acting);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(name, args, acting) = *self;
        let tenancy = (ctx.spec.project.tenancy.as_ref())
            .ok_or_else(|| super::vocabulary::unchecked(None))?;
        let (at, role) = user(tenancy, acting);
        let schema = ctx.schema();
        let shown = format!("{}({args})", ctx.show(name));
        let promise = match acting {
            Acting::Principal => format!(
                "SECURITY DEFINER function {shown}, called by a principal of one tenant with another tenant's ids, neither returns nor changes that tenant's rows"
            ),
            Acting::Anonymous => format!(
                "SECURITY DEFINER function {shown}, called by the anonymous role {role}, neither returns nor changes any tenant's rows"
            ),
        };
        let Some(function) = function(ctx.catalog, name, args) else {
            return Err(Failure {
                at: Some(at.clone()),
                promise,
                expected: format!("function {shown}"),
                found: format!("no SECURITY DEFINER function {shown} after the migrations"),
                fix: None,
            });
        };
        let scope = crate::tenancy::scoped(ctx.spec, ctx.catalog);
        let calls = tenancy
            .calls
            .iter()
            .find(|c| c.names(&function.signature(schema)));
        let sources = arguments::sources(function, &scope);
        let probe = Probe {
            ctx,
            function,
            tenancy,
            acting,
            role,
            at,
            promise: &promise,
            scope: &scope,
            calls,
            sources: &sources,
        };
        let tables = probe.tables();
        behaviour::one_case(ctx, async |run: &mut Run<'_>| {
            let pair = interference::populate(ctx, run, &tables, at, &promise).await?;
            let found = probe.found(run, &pair).await;
            match found {
                None => Ok(()),
                Some(found) => Err(probe.failure(run, found)),
            }
        })
        .await
    }
}

struct Probe<'p, 'c> {
    ctx: &'p Context<'c>,
    function: &'p Function,
    tenancy: &'p Tenancy,
    acting: Acting,
    role: &'p str,
    at: &'p Location,
    promise: &'p str,
    scope: &'p [Scoped<'c>],
    calls: Option<&'p PathEntry<Vec<String>>>,
    sources: &'p [Source],
}

/// How many values made from a type a function is called with (see `values::made`: a fresh
/// number, then 1, then 0).
const VARIANTS: usize = 3;

/// How the kept call ended.
enum Called {
    /// It changed rows of the watched tenants: what, worded.
    Changed(String),
    /// It was refused (and so changed nothing): the promise holds.
    Refused,
    /// It returned, changing nothing: its answers are compared next.
    Returned,
}

/// What a test found, worded, with the arguments it called with.
struct Found {
    text: String,
    arguments: Vec<String>,
    ids: String,
    /// A leak (with its fix), not a test that could not conclude.
    leak: bool,
}

impl Probe<'_, '_> {
    /// The tables to fill: those its body names, those its arguments name (by rule or in
    /// `calls`); every tenant-scoped table when it names none (it may read them through
    /// another function).
    fn tables(&self) -> Vec<&TableName> {
        let schema = self.ctx.schema();
        let rows = self.scope.iter().filter(|s| !s.tenant_table);
        let mut tables: Vec<&TableName> = (rows.clone())
            .filter(|s| crate::catalog::mentions(&self.function.body, &s.table.name))
            .map(|s| &s.table.name)
            .collect();
        let named = match self.calls {
            Some(c) => arguments::named_tables(&c.value, self.scope, schema),
            None => arguments::tables(self.sources),
        };
        for t in named {
            if !tables.contains(&t) {
                tables.push(t);
            }
        }
        if tables.is_empty() {
            tables = rows.map(|s| &s.table.name).collect();
        }
        tables
    }

    /// What the calls did that they must not; `None` when they kept the promise.
    async fn found(&self, run: &mut Run<'_>, pair: &Pair) -> Option<Found> {
        let (who, ids) = match self.acting {
            Acting::Principal => (
                Who::Principal(&pair.a),
                Ids {
                    tenant: &pair.b.key,
                    user: run.synth.user_of(&pair.b),
                    pair,
                    of_a: false,
                },
            ),
            Acting::Anonymous => (
                Who::Anonymous(self.role),
                Ids {
                    tenant: &pair.a.key,
                    user: Some(crate::tenancy::user_id(u64::from(u32::MAX))),
                    pair,
                    of_a: true,
                },
            ),
        };
        let ids_text = self.ids_text(pair);
        let found = |text: String, arguments: Vec<String>, leak: bool| Found {
            text,
            arguments,
            ids: ids_text.clone(),
            leak,
        };
        // Values made from a type vary: a LIMIT of a large number and one of 1 show different
        // things. Every variant must keep the promise; the first that does not is the finding.
        let variants = if self.sources.contains(&Source::Made) {
            VARIANTS
        } else {
            1
        };
        for k in 0..variants {
            let args = match self.arguments(run, &ids, k).await {
                Ok(args) => args,
                Err(why) => {
                    let text = format!("the check could not conclude: {why}");
                    return Some(found(text, Vec::new(), false));
                }
            };
            let sql: Vec<String> = args.iter().map(|(sql, _)| sql.clone()).collect();
            let shown: Vec<String> = args.into_iter().map(|(_, shown)| shown).collect();
            let call = self.function.call(&sql);
            if let Some((text, leak)) = self.once(run, &who, &call, pair).await {
                return Some(found(text, shown, leak));
            }
        }
        None
    }

    /// One call's verdict: what it did that it must not (and whether that is a leak rather
    /// than a test that could not conclude), or `None` when it kept the promise.
    async fn once(
        &self,
        run: &mut Run<'_>,
        who: &Who<'_>,
        call: &str,
        pair: &Pair,
    ) -> Option<(String, bool)> {
        let watched = gone(pair, self.acting);
        match self.changes(run, who, call, &watched).await {
            Ok(Called::Changed(text)) => Some((text, true)),
            Ok(Called::Refused) => None,
            Ok(Called::Returned) => {
                let read =
                    async |run: &mut Run<'_>| interference::as_user(run, who, call, false).await;
                match interference::depends_on(run, self.scope, &watched, read).await {
                    Ok(None) => None,
                    Ok(Some((with, without))) => {
                        let mut lines = vec![format!(
                            "it returned other rows once {} rows were deleted: {}",
                            whose_short(self.acting),
                            self.definer()
                        )];
                        lines.extend(with.iter().map(|r| format!("  only with them: {r}")));
                        lines.extend(without.iter().map(|r| format!("  only without them: {r}")));
                        Some((lines.join("\n"), true))
                    }
                    Err(why) => Some((self.inconclusive(&why), false)),
                }
            }
            Err(why) => Some((self.inconclusive(&why), false)),
        }
    }

    /// One kept call, with the watched tenants' rows read before and after it; undone after.
    async fn changes(
        &self,
        run: &mut Run<'_>,
        who: &Who<'_>,
        call: &str,
        watched: &[&str],
    ) -> Result<Called, String> {
        let schema = self.ctx.schema();
        let read = async |run: &mut Run<'_>| {
            (interference::rows_of(run, self.scope, watched, schema).await)
                .map_err(|e| format!("reading the tenants' rows as the superuser failed: {e}"))
        };
        let before = read(run).await?;
        let mark = run.sb.mark();
        let answer = interference::as_user(run, who, call, true).await;
        let after = read(run).await;
        run.sb.back_to(&mark);
        let changed = interference::changed_rows(&before, &after?);
        if !changed.is_empty() {
            let lines: Vec<String> = changed.iter().map(|c| format!("  {c}")).collect();
            return Ok(Called::Changed(format!(
                "the call changed rows of {}: {}\n{}",
                self.whose_short(),
                self.definer(),
                lines.join("\n")
            )));
        }
        Ok(match answer? {
            Err(_) => Called::Refused,
            Ok(_) => Called::Returned,
        })
    }

    /// The arguments as SQL (in named notation when every argument has a name), each with how
    /// a message shows it; `Err` says why the function cannot be called and which `calls` entry
    /// would settle it. An argument with a default that only a made value would fill is left to
    /// its default: what the application passes is likelier the default than a made number.
    async fn arguments(
        &self,
        run: &mut Run<'_>,
        ids: &Ids<'_>,
        k: usize,
    ) -> Result<Vec<(String, String)>, String> {
        if let Some(calls) = self.calls {
            return self.given(run, ids, calls).await;
        }
        let function = self.function;
        let entry = arguments::entry(function, self.sources, self.ctx.schema());
        let named = function.arguments.iter().all(|a| !a.name.is_empty());
        let kept = arguments::passed(function, self.sources, named);
        let mut out = Vec::new();
        for (i, (arg, source)) in function.arguments.iter().zip(self.sources).enumerate() {
            if !kept[i] {
                continue;
            }
            let value = match arguments::value(source, arg, ids, self.scope) {
                Some(v) => Some(v),
                None => run.synth.argument_value(&arg.value, &arg.type_, k),
            };
            let proven = match &value {
                Some(v) if *source == Source::Made => {
                    run.sb.value(&format!("SELECT ({v})::text")).await.is_ok()
                }
                Some(_) => true,
                None => false,
            };
            let (Some(value), true) = (value, proven) else {
                return Err(format!(
                    "argument {} ({}) has no value this tool can make: give the function's arguments in [tenancy] of pg-invariants.toml: {entry}",
                    arguments::label(function, arg),
                    arg.type_
                ));
            };
            let sql = if named {
                format!("{} => {value}", crate::names::ident(&arg.name))
            } else {
                value.clone()
            };
            let how = self.how(source);
            out.push((
                sql,
                format!("{} = {value} ({how})", arguments::label(function, arg)),
            ));
        }
        Ok(out)
    }

    /// The arguments `calls` gives, placeholders replaced, each proven one expression.
    async fn given(
        &self,
        run: &mut Run<'_>,
        ids: &Ids<'_>,
        calls: &PathEntry<Vec<String>>,
    ) -> Result<Vec<(String, String)>, String> {
        let schema = self.ctx.schema();
        let function = self.function;
        let (total, given) = (function.arguments.len(), calls.value.len());
        if given > total || given < total - function.defaults.min(total) {
            return Err(format!(
                "`calls` ({}) gives {given} argument(s); {} takes {total} ({} with a default)",
                calls.at,
                function.signature(schema),
                function.defaults
            ));
        }
        let mut out = Vec::new();
        for (arg, expression) in function.arguments.iter().zip(&calls.value) {
            let sql = arguments::replaced(expression, ids, self.scope, schema)
                .map_err(|e| format!("`calls` ({}): {e}", calls.at))?;
            let proof = run.sb.expression(&format!("SELECT ({sql})::text")).await;
            proof.map_err(|e| {
                format!(
                    "`calls` ({}): argument {} = {expression} is not one expression PostgreSQL accepts: {e}",
                    calls.at,
                    arguments::label(function, arg)
                )
            })?;
            out.push((
                sql.clone(),
                format!("{} = {sql}", arguments::label(function, arg)),
            ));
        }
        Ok(out)
    }

    /// Where an argument's value came from, for a message.
    fn how(&self, source: &Source) -> String {
        let whose = match self.acting {
            Acting::Principal => "tenant B's",
            Acting::Anonymous => "tenant A's",
        };
        match source {
            Source::Made => "made from its type".to_string(),
            Source::Tenant => format!("{whose} id"),
            Source::User => format!("{whose} principal's user"),
            Source::Row(t) => format!("the key of {whose} row of {}", self.ctx.show(t)),
        }
    }

    fn inconclusive(&self, why: &str) -> String {
        let entry = arguments::entry(self.function, self.sources, self.ctx.schema());
        format!(
            "the check could not conclude: {why}\nif the arguments are wrong, give them in [tenancy] of pg-invariants.toml: {entry}"
        )
    }

    fn whose_short(&self) -> &'static str {
        match self.acting {
            Acting::Principal => "tenant B",
            Acting::Anonymous => "tenants A and B",
        }
    }

    fn ids_text(&self, pair: &Pair) -> String {
        match self.acting {
            Acting::Principal => format!(
                "as a principal of tenant A ({}) in role {}, with tenant B's ({}) ids",
                pair.a.key, self.role, pair.b.key
            ),
            Acting::Anonymous => format!(
                "as the anonymous role {} with no request settings, with tenant A's ({}) ids (tenant B is {})",
                self.role, pair.a.key, pair.b.key
            ),
        }
    }

    /// Whose rights the function runs with.
    fn definer(&self) -> String {
        let owner = &self.function.owner;
        let how = match self.ctx.catalog.role(owner) {
            Some(r) if r.superuser => ", a superuser: row level security never applies to it",
            Some(r) if r.bypass_rls => {
                ", which has BYPASSRLS: row level security never applies to it"
            }
            _ => "",
        };
        format!(
            "the function is SECURITY DEFINER and runs with the rights of its owner {owner}{how}"
        )
    }

    fn failure(&self, run: &Run<'_>, found: Found) -> Failure {
        let shown = self.function.signature(self.ctx.schema());
        let arguments = if found.arguments.is_empty() {
            String::new()
        } else {
            format!("\narguments: {}", found.arguments.join(", "))
        };
        Failure {
            at: Some(self.at.clone()),
            promise: self.promise.to_string(),
            expected: format!(
                "{}: the call fails, or returns the same rows as once {} rows are deleted; no row of {} changes",
                found.ids,
                match self.acting {
                    Acting::Principal => "B's",
                    Acting::Anonymous => "A's and B's",
                },
                self.whose_short()
            ),
            found: format!(
                "{}{arguments}\n{}",
                found.text,
                behaviour::transcript(&run.sb)
            ),
            fix: found.leak.then(|| self.repair(&shown)),
        }
    }

    /// What closes the path: the anonymous role loses EXECUTE; a principal's path is closed by
    /// SECURITY INVOKER, or by a membership check where the owner's rights are needed.
    fn repair(&self, shown: &str) -> super::Fix {
        let f = format!("{}({})", self.function.name.sql(), self.function.args);
        if self.acting == Acting::Anonymous {
            let mut steps = vec![Step::server(format!(
                "REVOKE EXECUTE ON FUNCTION {f} FROM PUBLIC, {};",
                ident(self.role)
            ))];
            if self.function.callers.contains(&self.tenancy.role.value) {
                steps.push(Step::server(format!(
                    "GRANT EXECUTE ON FUNCTION {f} TO {};",
                    ident(&self.tenancy.role.value)
                )));
            }
            return Repair::new(steps)
                .note(format!("{shown} is executable by PUBLIC or {} (Supabase's default privileges grant EXECUTE on new functions to anon): revoke it from both", self.role))
                .into();
        }
        Repair::new(vec![Step::server(format!("ALTER FUNCTION {f} SECURITY INVOKER;"))
            .note("the function then runs with the caller's rights, so the tables' policies apply")])
        .note("if it needs its owner's rights, keep SECURITY DEFINER and refuse a caller who is not a member of the tenant first, e.g.")
        .note("IF NOT EXISTS (SELECT 1 FROM <memberships> m WHERE m.<tenant column> = <the tenant argument> AND m.user_id = auth.uid()) THEN RAISE EXCEPTION 'not a member' USING ERRCODE = '42501'; END IF;")
        .into()
    }
}
