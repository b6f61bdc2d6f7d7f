//! The command line: one `eventmap` binary with subcommands. Every option also reads from an
//! `EVENTMAP_*` environment variable; flags win over the environment, which wins over defaults.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::auth::Role;
use crate::domain::filter::Format;

#[derive(Debug, Parser)]
#[command(
    name = "eventmap",
    version,
    about = "Maps reported events: geocoded places, times and sources, served as GeoJSON to a map and GIS clients."
)]
pub struct Cli {
    /// The database: sqlite://FILE or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "EVENTMAP_DATABASE", default_value = "sqlite://eventmap.db")]
    pub database: String,

    /// Log format.
    #[arg(long, global = true, env = "EVENTMAP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, load the gazetteer and serve the API and the map.
    Serve(Box<ServeArgs>),
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Write events (filtered like GET /api/events) to standard output or a file.
    Export(Box<ExportArgs>),
    /// Import events from GeoJSON, CSV, ACLED, GDELT or TimeMap (all or nothing by default).
    Import(Box<ImportArgs>),
    /// Look a place name up in the gazetteer.
    Geocode(GeocodeArgs),
    /// Take reports (JSON, a JSON array or JSON lines, as for POST /api/reports): draft their
    /// events, match them with the stored ones and, with --create, attach or store them.
    Ingest(IngestArgs),
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage a team's own places.
    Places {
        #[command(subcommand)]
        command: PlacesCommand,
    },
    /// Find and resolve the places mentioned in a text file (or - for standard input).
    Geoparse {
        file: PathBuf,
        /// ISO alpha-2 of the country the text is most likely about.
        #[arg(long)]
        country: Option<String>,
        /// The text's language (ru, tr, ar ...), when known.
        #[arg(long)]
        language: Option<String>,
    },
    /// Measure the geoparser on an annotated corpus (JSON lines: text and toponyms).
    EvalGeoparse {
        file: PathBuf,
        /// Print the measures as JSON.
        #[arg(long)]
        json: bool,
        /// Also write every predicted mention with its verdict and evidence (JSON lines) here.
        #[arg(long)]
        mentions: Option<PathBuf>,
    },
    /// Import captures made by another archiver (Bellingcat's Auto Archiver CSV or Google
    /// Sheet exported as CSV) as captures of the stored sources with the same URLs, keeping
    /// their hashes.
    ImportCaptures {
        /// The CSV file (`-` for standard input).
        file: PathBuf,
    },
    /// Make a consistent copy of a (running) SQLite database.
    Backup {
        /// The new file to write.
        file: PathBuf,
    },
    /// Copy a whole SQLite database into an empty PostgreSQL one (ids, revisions, times and
    /// change order kept), then verify the counts.
    Copy {
        /// The database to read: sqlite://FILE.
        #[arg(long)]
        from: String,
        /// The empty database to fill: postgres://USER@HOST/DB.
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "EVENTMAP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Load the demonstration data set into an empty database.
    #[arg(long, env = "EVENTMAP_DEMO")]
    pub demo: bool,
    /// Reads need a viewer token too.
    #[arg(long, env = "EVENTMAP_PRIVATE")]
    pub private: bool,
    /// The public address of this server, for absolute links (default: from the Host header,
    /// when it names this server: see --allowed-host).
    #[arg(long, env = "EVENTMAP_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A `Host` name (or name:port) this server answers for besides loopback names and the host
    /// of --public-url; repeat for several, `*` for any. Other names get a 421.
    #[arg(long = "allowed-host", env = "EVENTMAP_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,
    /// A MapLibre style URL for teams with a tile service (default: the built-in offline basemap).
    #[arg(long, env = "EVENTMAP_BASEMAP_STYLE")]
    pub basemap_style: Option<String>,
    /// Origins allowed to read the API from a browser (CORS); repeat for several. Off by default.
    #[arg(long = "cors-origin", env = "EVENTMAP_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// The category vocabulary, comma-separated (default: the ACLED-like list in PRODUCT.md).
    #[arg(long, env = "EVENTMAP_CATEGORIES")]
    pub categories: Option<String>,
    /// Largest request body, in bytes.
    #[arg(long, env = "EVENTMAP_BODY_LIMIT", default_value_t = 2 * 1024 * 1024)]
    pub body_limit: usize,
    /// Longest a request may take before the response starts, in seconds.
    #[arg(long, env = "EVENTMAP_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,
    /// Behind a reverse proxy: the header it puts the client's address in (`X-Forwarded-For`),
    /// for limiting wrong tokens per client. Set it only when every request comes through that
    /// proxy, or clients could choose their own address.
    #[arg(long, env = "EVENTMAP_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
    /// Seconds a client has to send a request's headers (default 10); slower ones are cut off.
    #[arg(long, env = "EVENTMAP_HEADER_TIMEOUT")]
    pub header_timeout: Option<u64>,
    /// Open connections at most (default: the process's file limit less 64).
    #[arg(long, env = "EVENTMAP_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Seconds a response may wait on a client that reads none of it (default 60); then the
    /// connection is closed.
    #[arg(long, env = "EVENTMAP_WRITE_TIMEOUT")]
    pub write_timeout: Option<u64>,
    /// Heavy downloads (CSV, KML or NDJSON exports; pages of more than 1,000 events) one client
    /// address may have open at once; more are a 429.
    #[arg(long, env = "EVENTMAP_DOWNLOADS_PER_CLIENT", default_value_t = 8)]
    pub downloads_per_client: usize,
    /// A host that webhooks (and other requests this server makes) may reach although it is a
    /// loopback, private or link-local address (`hooks.internal`, `127.0.0.1`); repeat for
    /// several. Other hosts must resolve to public addresses only.
    #[arg(long = "allow-host", env = "EVENTMAP_ALLOW_HOSTS", value_delimiter = ',')]
    pub allow_hosts: Vec<String>,
    /// Seconds between webhook delivery attempts, comma-separated; one more attempt than waits
    /// (default 10,60,300,900,2400: six attempts over about an hour).
    #[arg(long, env = "EVENTMAP_WEBHOOK_RETRY", default_value = "10,60,300,900,2400")]
    pub webhook_retry: String,
    /// Seconds between the webhook worker's looks for changes and due deliveries.
    #[arg(long, env = "EVENTMAP_WEBHOOK_POLL", default_value_t = 1.0)]
    pub webhook_poll: f64,
    /// Do not capture sources: no fetch of a source's URL when it is stored, and no capture
    /// worker (captures queued by others wait).
    #[arg(long, env = "EVENTMAP_NO_CAPTURE")]
    pub no_capture: bool,
    /// The largest capture kept, in bytes; a larger or endless answer is cut and recorded as
    /// failed.
    #[arg(long, env = "EVENTMAP_CAPTURE_SIZE_LIMIT", default_value_t = crate::capture::DEFAULT_SIZE_LIMIT)]
    pub capture_size_limit: usize,
    /// Seconds between capture attempts after network errors, comma-separated; one more attempt
    /// than waits.
    #[arg(long, env = "EVENTMAP_CAPTURE_RETRY", default_value = "10,60,300,900,2400")]
    pub capture_retry: String,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value_t = Format::Geojson)]
    pub format: Format,
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[arg(long)]
    pub start: Option<String>,
    #[arg(long)]
    pub end: Option<String>,
    /// minLon,minLat,maxLon,maxLat
    #[arg(long, allow_hyphen_values = true)]
    pub bbox: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    pub lat: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    pub lon: Option<String>,
    #[arg(long)]
    pub radius_km: Option<String>,
    /// A place name or gazetteer id.
    #[arg(long)]
    pub place: Option<String>,
    #[arg(long)]
    pub country: Vec<String>,
    /// A first-level division (governorate, oblast, province): name in any script or gazetteer id.
    #[arg(long)]
    pub admin1: Vec<String>,
    #[arg(long)]
    pub category: Vec<String>,
    #[arg(long)]
    pub tag: Vec<String>,
    #[arg(long)]
    pub actor: Vec<String>,
    #[arg(long)]
    pub status: Vec<String>,
    #[arg(long)]
    pub q: Option<String>,
    #[arg(long)]
    pub source: Vec<String>,
    /// point, multipoint, line, polygon or collection: one kind gives a layer a Shapefile holds.
    #[arg(long)]
    pub geometry_type: Vec<String>,
    #[arg(long)]
    pub updated_since: Option<String>,
    #[arg(long)]
    pub include_deleted: bool,
    #[arg(long)]
    pub sort: Option<String>,
    /// At most this many events (default: all).
    #[arg(long)]
    pub limit: Option<String>,
}

impl ExportArgs {
    /// The filters as API query pairs.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut p: Vec<(String, String)> = Vec::new();
        let mut one = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                p.push((k.into(), v.clone()));
            }
        };
        one("start", &self.start);
        one("end", &self.end);
        one("bbox", &self.bbox);
        one("lat", &self.lat);
        one("lon", &self.lon);
        one("radius_km", &self.radius_km);
        one("place", &self.place);
        one("q", &self.q);
        one("updated_since", &self.updated_since);
        one("sort", &self.sort);
        for (k, vs) in [
            ("country", &self.country),
            ("admin1", &self.admin1),
            ("category", &self.category),
            ("tag", &self.tag),
            ("actor", &self.actor),
            ("status", &self.status),
            ("source", &self.source),
            ("geometry_type", &self.geometry_type),
        ] {
            p.extend(vs.iter().map(|v| (k.to_string(), v.clone())));
        }
        if self.include_deleted {
            p.push(("include_deleted".into(), "true".into()));
        }
        p
    }
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to import (`-` for standard input).
    pub file: PathBuf,
    /// The file's format; guessed from its content when not given.
    #[arg(long, value_enum, env = "EVENTMAP_IMPORT_FORMAT")]
    pub format: Option<crate::import::Format>,
    /// A JSON file naming the columns of a CSV (see docs/IMPORT.md).
    #[arg(long, env = "EVENTMAP_IMPORT_MAPPING")]
    pub mapping: Option<PathBuf>,
    /// Import the good rows and set the bad ones aside instead of refusing the whole file.
    #[arg(long, env = "EVENTMAP_IMPORT_SKIP_INVALID")]
    pub skip_invalid: bool,
    /// Write the rejected rows, as they were and with their line and reason, to this file (in
    /// the input's format: fix the rows and import it alone; see docs/IMPORT.md).
    #[arg(long, env = "EVENTMAP_IMPORT_REJECTS")]
    pub rejects: Option<PathBuf>,
    /// Rows written per transaction.
    #[arg(long, env = "EVENTMAP_IMPORT_BATCH", default_value_t = 10_000)]
    pub batch_size: usize,
    /// The category vocabulary, comma-separated, as given to `serve`.
    #[arg(long, env = "EVENTMAP_CATEGORIES")]
    pub categories: Option<String>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Then queue a capture of every source never captured (those of this file among them);
    /// a running `eventmap serve` fetches them.
    #[arg(long, env = "EVENTMAP_IMPORT_CAPTURE")]
    pub capture: bool,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The file of reports (`-` for standard input).
    pub file: PathBuf,
    /// Store the outcome of every report (as `"create": true` does for one).
    #[arg(long, env = "EVENTMAP_INGEST_CREATE")]
    pub create: bool,
    /// The category vocabulary, comma-separated, as given to `serve`.
    #[arg(long, env = "EVENTMAP_CATEGORIES")]
    pub categories: Option<String>,
    /// Queue a capture of each report's source that is stored (attached or created) and was
    /// never captured; a running `eventmap serve` fetches them.
    #[arg(long, env = "EVENTMAP_INGEST_CAPTURE")]
    pub capture: bool,
}

#[derive(Debug, Args)]
pub struct GeocodeArgs {
    /// The name, in any script.
    pub name: String,
    /// ISO alpha-2 hint.
    #[arg(long)]
    pub country: Option<String>,
    #[arg(long, default_value_t = 5)]
    pub limit: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token and print it once.
    Create {
        /// What the token is for ("desk", "laptop"); shown in lists.
        #[arg(long)]
        name: String,
        /// The person it belongs to; changes made with it are recorded in their name.
        #[arg(long)]
        person: Option<String>,
        #[arg(long, value_parser = role_parser())]
        role: Role,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by its id.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum PlacesCommand {
    /// Load a GeoNames dump (tab-separated, e.g. SY.txt) as the team's own places.
    Import {
        file: PathBuf,
        /// Keep the good lines when some are bad.
        #[arg(long)]
        skip_invalid: bool,
    },
    /// Add one place.
    Add {
        #[arg(long)]
        name: String,
        /// Further names, comma-separated.
        #[arg(long, value_delimiter = ',')]
        names: Vec<String>,
        #[arg(long, allow_hyphen_values = true)]
        lon: f64,
        #[arg(long, allow_hyphen_values = true)]
        lat: f64,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        country: Option<String>,
    },
    /// List the team's own places.
    List,
}

/// Parses a token role by name, listing the names in `--help` and in errors.
fn role_parser() -> impl clap::builder::TypedValueParser<Value = Role> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Role::ALL.map(Role::as_str))
        .map(|s| Role::parse(&s).expect("only the roles' own names are possible"))
}
