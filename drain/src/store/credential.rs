use super::clock::{parse_stamp, stamp};
use super::records::Credential;
use super::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

impl Store {
    /// Keeps the application credential the drain acts with once its starter's token has
    /// expired. The secret arrives encrypted; the store never sees it in the clear. Clears the
    /// needs-login note: the drain can act again.
    pub async fn set_credential(
        &self,
        id: Uuid,
        credential_id: &str,
        secret_ciphertext: Vec<u8>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let sql = format!(
            "UPDATE drains SET credential_id = $2, credential_secret = $3, \
             credential_expires_at = $4, needs_login = NULL, updated_at = {} WHERE id = $1",
            self.dialect.now()
        );
        let done = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(credential_id)
            .bind(secret_ciphertext)
            .bind(stamp(expires_at))
            .execute(&self.pool)
            .await?;
        found(done.rows_affected(), id)
    }

    /// None when the drain has no credential (never had one, or it was cleared).
    pub async fn credential(&self, id: Uuid) -> Result<Option<Credential>> {
        let row = sqlx::query(
            "SELECT credential_id, credential_secret, credential_expires_at FROM drains \
             WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::DrainNotFound(id))?;
        let credential_id: Option<String> = row.try_get("credential_id")?;
        let secret: Option<Vec<u8>> = row.try_get("credential_secret")?;
        let expires_at: Option<String> = row.try_get("credential_expires_at")?;
        match (credential_id, secret, expires_at) {
            (Some(id), Some(secret_ciphertext), Some(expires_at)) => Ok(Some(Credential {
                id,
                secret_ciphertext,
                expires_at: parse_stamp(&expires_at)?,
            })),
            (None, None, None) => Ok(None),
            _ => Err(StoreError::Corrupt(format!(
                "drain {id} has part of a credential"
            ))),
        }
    }

    /// Forgets the credential (the drain ended, or Keystone no longer knows it).
    pub async fn clear_credential(&self, id: Uuid) -> Result<()> {
        let sql = format!(
            "UPDATE drains SET credential_id = NULL, credential_secret = NULL, \
             credential_expires_at = NULL, updated_at = {} WHERE id = $1",
            self.dialect.now()
        );
        let done = sqlx::query(&sql)
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        found(done.rows_affected(), id)
    }
}

fn found(rows_affected: u64, id: Uuid) -> Result<()> {
    if rows_affected == 0 {
        Err(StoreError::DrainNotFound(id))
    } else {
        Ok(())
    }
}
