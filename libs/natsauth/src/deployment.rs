//! A deployment's bus security rendered from its [`Keys`]: the server
//! settings (operator mode, the full account resolver, the system and
//! services' accounts preloaded) and a credentials file per service.
//!
//! | file under the auth dir | what |
//! |---|---|
//! | `keys.json` | the root seeds ([`Keys`]); only the setup tool reads it |
//! | `server.conf` | what a nats-server includes (`include` it, or `-c` a config that does) |
//! | `creds/{service}.creds` | a service's user ([`crate::grants::service`]) |
//! | `creds/admin.creds` | everything in the services' account: operators' tools and tests |
//! | `creds/system.creds` | the system account: pushing account JWTs |
//! | `authority.json` | what the gateway issues AI platform credentials with ([`Authority`]) |

use std::path::{Path, PathBuf};

use nkeys::KeyPair;
use serde_json::json;

use crate::authority::Authority;
use crate::grants::{self, Grant};
use crate::keys::{Keys, pair};
use crate::{AuthError, claims, creds, files, jwt};

/// The rendered JWTs of a deployment.
#[derive(Debug)]
pub struct Deployment {
    keys: Keys,
    issued_at: u64,
    pub operator_jwt: String,
    pub system_account: String,
    pub system_account_jwt: String,
    pub services_account: String,
    pub services_account_jwt: String,
}

/// Where [`Deployment::write`] put the files.
#[derive(Debug, Clone)]
pub struct Layout {
    pub dir: PathBuf,
}

impl Layout {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }
    pub fn keys(&self) -> PathBuf {
        self.dir.join("keys.json")
    }
    pub fn server_conf(&self) -> PathBuf {
        self.dir.join("server.conf")
    }
    pub fn creds(&self, user: &str) -> PathBuf {
        self.dir.join("creds").join(format!("{user}.creds"))
    }
    pub fn authority(&self) -> PathBuf {
        self.dir.join("authority.json")
    }
}

impl Deployment {
    /// Renders the JWTs of `keys`, issued at `issued_at` (unix seconds).
    pub fn new(keys: Keys, issued_at: u64) -> Result<Self, AuthError> {
        let operator = pair(&keys.operator)?;
        let system = pair(&keys.system_account)?;
        let services = pair(&keys.services_account)?;
        let operator_signing = Keys::public(&keys.operator_signing)?;
        let services_signing = Keys::public(&keys.services_signing)?;
        let operator_jwt = jwt::encode(
            &operator,
            &operator.public_key(),
            "switchboard",
            "operator",
            issued_at,
            claims::operator(&operator_signing, &system.public_key()),
        )?;
        let system_account_jwt = jwt::encode(
            &operator,
            &system.public_key(),
            "SYS",
            "account",
            issued_at,
            claims::system_account(),
        )?;
        let services_account_jwt = jwt::encode(
            &operator,
            &services.public_key(),
            "switchboard",
            "account",
            issued_at,
            claims::services_account(&services_signing),
        )?;
        Ok(Self {
            issued_at,
            operator_jwt,
            system_account: system.public_key(),
            system_account_jwt,
            services_account: services.public_key(),
            services_account_jwt,
            keys,
        })
    }

    /// What a nats-server needs (besides its listeners and JetStream): the
    /// operator, the system account, a full resolver keeping account JWTs
    /// in `resolver_dir`, with the two fixed accounts preloaded.
    pub fn server_settings(&self, resolver_dir: &Path) -> String {
        format!(
            "max_control_line: 65536\noperator: \"{operator}\"\nsystem_account: {system}\n\
             resolver: {{ type: full, dir: {dir}, allow_delete: false, interval: \"2m\", timeout: \"5s\" }}\n\
             resolver_preload: {{\n  {system}: \"{system_jwt}\"\n  {services}: \"{services_jwt}\"\n}}\n",
            operator = self.operator_jwt,
            system = self.system_account,
            system_jwt = self.system_account_jwt,
            services = self.services_account,
            services_jwt = self.services_account_jwt,
            dir = json!(resolver_dir.display().to_string()),
        )
    }

    /// A credentials file for a new user of the services' account named
    /// `name` with `grant`.
    pub fn user_creds(&self, name: &str, grant: &Grant) -> Result<String, AuthError> {
        self.issue(&pair(&self.keys.services_account)?, name, grant.claims())
    }

    /// A user allowed everything in the services' account (tools, tests).
    pub fn admin_creds(&self) -> Result<String, AuthError> {
        let everything = json!({"pub": {"allow": [">"]}, "sub": {"allow": [">"]}});
        self.issue(&pair(&self.keys.services_account)?, "admin", everything)
    }

    /// The system account's user, which pushes account JWTs to the resolver.
    pub fn system_creds(&self) -> Result<String, AuthError> {
        let user = pair(&self.keys.system_user)?;
        let claims = claims::user(json!({}), None);
        let jwt = jwt::encode(
            &pair(&self.keys.system_account)?,
            &user.public_key(),
            "system",
            "user",
            self.issued_at,
            claims,
        )?;
        Ok(creds::file(&jwt, &self.keys.system_user))
    }

    fn issue(
        &self,
        account: &KeyPair,
        name: &str,
        permissions: serde_json::Value,
    ) -> Result<String, AuthError> {
        let user = KeyPair::new_user();
        let jwt = jwt::encode(
            account,
            &user.public_key(),
            name,
            "user",
            self.issued_at,
            claims::user(permissions, None),
        )?;
        Ok(creds::file(&jwt, &user.seed().map_err(AuthError::Key)?))
    }

    /// What the gateway issues AI platform credentials with.
    pub fn authority(&self) -> Result<Authority, AuthError> {
        Ok(Authority {
            operator_signing: self.keys.operator_signing.clone(),
            services_account: self.services_account.clone(),
            services_signing: self.keys.services_signing.clone(),
            system_creds: self.system_creds()?,
        })
    }

    /// Writes the server settings (resolver under `resolver_dir`), every
    /// service's credentials, the admin's and the system user's, and the
    /// authority, into `layout` (files 0600, directories 0700).
    pub fn write(&self, layout: &Layout, resolver_dir: &Path) -> Result<(), AuthError> {
        files::secret_dir(&layout.dir)?;
        files::write_secret(
            &layout.server_conf(),
            self.server_settings(resolver_dir).as_bytes(),
        )?;
        for service in grants::SERVICES {
            let grant = grants::service(service).expect("every listed service has a grant");
            files::write_secret(
                &layout.creds(service),
                self.user_creds(service, &grant)?.as_bytes(),
            )?;
        }
        files::write_secret(&layout.creds("admin"), self.admin_creds()?.as_bytes())?;
        files::write_secret(&layout.creds("system"), self.system_creds()?.as_bytes())?;
        let authority = serde_json::to_vec_pretty(&self.authority()?).map_err(AuthError::Json)?;
        files::write_secret(&layout.authority(), &authority)
    }
}

/// The deployment under `layout`, from its keys file (created on first use),
/// written out again with the resolver under `resolver_dir`.
pub fn prepare(layout: &Layout, resolver_dir: &Path, now: u64) -> Result<Deployment, AuthError> {
    files::secret_dir(&layout.dir)?;
    let keys = Keys::load_or_generate(&layout.keys())?;
    let deployment = Deployment::new(keys, now)?;
    deployment.write(layout, resolver_dir)?;
    Ok(deployment)
}
