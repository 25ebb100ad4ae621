//! A chain that needs an extension the server lacks (`CREATE EXTENSION vector` on a bare
//! PostgreSQL): PostgreSQL says only that it "is not available". The remedy says which package
//! or image has it, for the server the run actually uses.

use crate::spec::Backend;

/// Where an extension comes from: its Debian package (`{major}` is the server's major version),
/// and an image of the docker backend that has it.
struct Source {
    extension: &'static str,
    package: Option<&'static str>,
    image: Option<&'static str>,
}

const fn source(
    extension: &'static str,
    package: Option<&'static str>,
    image: Option<&'static str>,
) -> Source {
    Source {
        extension,
        package,
        image,
    }
}

/// Common extensions that no PostgreSQL server package includes. Packages are Debian's or the
/// PostgreSQL project's own apt repository's (apt.postgresql.org) names.
#[rustfmt::skip]
const SOURCES: &[Source] = &[
    source("vector", Some("postgresql-{major}-pgvector"), Some("pgvector/pgvector:pg{major}")),
    source("postgis", Some(POSTGIS), Some(POSTGIS_IMAGE)),
    source("postgis_topology", Some(POSTGIS), Some(POSTGIS_IMAGE)),
    source("postgis_raster", Some(POSTGIS), Some(POSTGIS_IMAGE)),
    source("postgis_tiger_geocoder", Some(POSTGIS), Some(POSTGIS_IMAGE)),
    source("address_standardizer", Some(POSTGIS), Some(POSTGIS_IMAGE)),
    source("pgrouting", Some("postgresql-{major}-pgrouting"), None),
    source("http", Some("postgresql-{major}-http"), None),
    source("pg_cron", Some("postgresql-{major}-cron"), None),
    source("pgaudit", Some("postgresql-{major}-pgaudit"), None),
    source("hypopg", Some("postgresql-{major}-hypopg"), None),
    source("pg_partman", Some("postgresql-{major}-partman"), None),
    source("pg_repack", Some("postgresql-{major}-repack"), None),
    source("pgtap", Some("postgresql-{major}-pgtap"), None),
    source("plpgsql_check", Some("postgresql-{major}-plpgsql-check"), None),
    source("rum", Some("postgresql-{major}-rum"), None),
    source("hll", Some("postgresql-{major}-hll"), None),
    source("orafce", Some("postgresql-{major}-orafce"), None),
    source("ip4r", Some("postgresql-{major}-ip4r"), None),
    source("semver", Some("postgresql-{major}-semver"), None),
    source("periods", Some("postgresql-{major}-periods"), None),
    source("age", Some("postgresql-{major}-age"), None),
    source("h3", Some("postgresql-{major}-h3"), None),
    source("pg_hint_plan", Some("postgresql-{major}-pg-hint-plan"), None),
    source("timescaledb", Some("timescaledb-2-postgresql-{major}"), Some("timescale/timescaledb:latest-pg{major}")),
    // Supabase's own: only its image has them.
    source("pg_graphql", None, Some(SUPABASE_IMAGE)),
    source("pg_net", None, Some(SUPABASE_IMAGE)),
    source("pgsodium", None, Some(SUPABASE_IMAGE)),
    source("supabase_vault", None, Some(SUPABASE_IMAGE)),
    source("pgjwt", None, Some(SUPABASE_IMAGE)),
    source("pg_jsonschema", None, Some(SUPABASE_IMAGE)),
    source("wrappers", None, Some(SUPABASE_IMAGE)),
];
const POSTGIS: &str = "postgresql-{major}-postgis-3";
const POSTGIS_IMAGE: &str = "postgis/postgis:{major}-3.5";
const SUPABASE_IMAGE: &str = "supabase/postgres:<your project's tag>";

/// The extension PostgreSQL could not find, from its error: `extension "x" is not available`
/// (PostgreSQL 15 and later, SQLSTATE 0A000) or `could not open extension control file
/// ".../x.control"` (before 15, SQLSTATE 58P01).
pub fn missing(code: &str, message: &str) -> Option<String> {
    match code {
        "0A000" => message
            .strip_prefix("extension \"")?
            .strip_suffix("\" is not available")
            .map(str::to_string),
        "58P01" => {
            let path = message
                .strip_prefix("could not open extension control file \"")?
                .split('"')
                .next()?;
            let file = path.rsplit('/').next()?;
            file.strip_suffix(".control").map(str::to_string)
        }
        _ => None,
    }
}

/// How to get `extension` for a PostgreSQL `major` on `backend`: one line.
pub fn remedy(extension: &str, major: u32, backend: Backend) -> String {
    let fill = |template: &str| template.replace("{major}", &major.to_string());
    let known = SOURCES.iter().find(|s| s.extension == extension);
    let package = known.and_then(|s| s.package).map(fill);
    let image = known
        .and_then(|s| s.image)
        .map(fill)
        .unwrap_or_else(|| format!("an image of PostgreSQL {major} that has {extension}"));
    let docker = format!(
        "the docker backend with an image that has it ([database] backend = \"docker\", image = \"{image}\")"
    );
    let server = match backend {
        Backend::Docker => "the image",
        Backend::Url => "the server of PG_INVARIANTS_URL",
        Backend::Local | Backend::Auto => "the local PostgreSQL",
    };
    match (backend, package) {
        (Backend::Docker, _) => format!("{server} has no extension \"{extension}\": use {docker}"),
        (_, Some(package)) => format!(
            "{server} {major} has no extension \"{extension}\": `apt-get install {package}` ({}), or use {docker}",
            repository(&package)
        ),
        (_, None) => format!(
            "{server} {major} has no extension \"{extension}\": install it for PostgreSQL {major} where the server runs, or use {docker}"
        ),
    }
}

/// Which apt repository has `package`.
fn repository(package: &str) -> &'static str {
    if package.starts_with("timescaledb") {
        "from Timescale's apt repository"
    } else {
        "Debian's or apt.postgresql.org's package"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_missing_extension_is_read_from_either_message() {
        assert_eq!(
            missing("0A000", "extension \"vector\" is not available").as_deref(),
            Some("vector")
        );
        assert_eq!(
            missing(
                "58P01",
                "could not open extension control file \"/usr/share/postgresql/14/extension/http.control\": No such file or directory"
            )
            .as_deref(),
            Some("http")
        );
        assert_eq!(
            missing("0A000", "cannot use subquery in check constraint"),
            None
        );
        assert_eq!(
            missing("42P01", "extension \"vector\" is not available"),
            None
        );
    }

    #[test]
    fn a_known_extension_names_its_package_for_the_servers_major_version() {
        let local = remedy("vector", 15, Backend::Local);
        assert!(
            local.contains("apt-get install postgresql-15-pgvector"),
            "{local}"
        );
        assert!(
            local.contains("image = \"pgvector/pgvector:pg15\""),
            "{local}"
        );
        let timescale = remedy("timescaledb", 16, Backend::Url);
        assert!(
            timescale.contains("apt-get install timescaledb-2-postgresql-16`"),
            "{timescale}"
        );
        assert!(
            timescale.starts_with("the server of PG_INVARIANTS_URL 16"),
            "{timescale}"
        );
    }

    #[test]
    fn on_docker_only_another_image_helps() {
        let docker = remedy("pg_graphql", 15, Backend::Docker);
        assert!(!docker.contains("apt-get"), "{docker}");
        assert!(docker.contains("supabase/postgres"), "{docker}");
        let unknown = remedy("pg_unknown", 17, Backend::Local);
        assert!(
            unknown.contains("install it for PostgreSQL 17"),
            "{unknown}"
        );
        assert!(
            unknown.contains("an image of PostgreSQL 17 that has pg_unknown"),
            "{unknown}"
        );
    }
}
