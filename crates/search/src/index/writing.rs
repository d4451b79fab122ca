//! Changing the index: changes from the outbox, committed with the position they reach, and
//! whole rebuilds.

use tantivy::schema::Facet;
use tantivy::{IndexWriter, TantivyDocument, Term};
use techmatch_domain::listing::ListingKind;

use super::schema::{SCHEMA_VERSION, region_facet};
use super::{CommitPayload, SearchError, SearchIndex};
use crate::document::{ListingDocument, listing_key};

/// A change to apply: re-index a listing, or take it out.
#[derive(Debug, Clone)]
pub enum IndexChange {
    Upsert(Box<ListingDocument>),
    Remove { kind: ListingKind, id: i64 },
}

impl SearchIndex {
    /// Applies changes and commits them together with `position`, atomically: after a crash
    /// either all of them and the new position are there, or none and the old position.
    pub fn apply(&self, changes: &[IndexChange], position: i64) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        for change in changes {
            match change {
                IndexChange::Upsert(document) => {
                    writer
                        .delete_term(Term::from_field_text(self.fields.key, &listing_key(document.kind, document.id)));
                    writer.add_document(self.to_tantivy(document))?;
                }
                IndexChange::Remove { kind, id } => {
                    writer.delete_term(Term::from_field_text(self.fields.key, &listing_key(*kind, *id)));
                }
            }
        }
        self.commit(&mut writer, position)
    }

    /// Replaces the whole content: used by rebuilds. `documents` is consumed in batches by the
    /// caller; call [`SearchIndex::clear`] first and [`SearchIndex::finish_rebuild`] last.
    pub fn add_documents(&self, documents: &[ListingDocument]) -> Result<(), SearchError> {
        let writer = self.writer()?;
        for document in documents {
            writer.add_document(self.to_tantivy(document))?;
        }
        Ok(())
    }

    pub fn clear(&self) -> Result<(), SearchError> {
        let writer = self.writer()?;
        writer.delete_all_documents()?;
        Ok(())
    }

    pub fn finish_rebuild(&self, position: i64) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        self.commit(&mut writer, position)
    }

    fn commit(&self, writer: &mut IndexWriter, position: i64) -> Result<(), SearchError> {
        let payload = CommitPayload { schema_version: SCHEMA_VERSION, outbox_position: position };
        let payload = serde_json::to_string(&payload).unwrap_or_default();
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    fn to_tantivy(&self, document: &ListingDocument) -> TantivyDocument {
        let fields = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.key, listing_key(document.kind, document.id));
        doc.add_text(fields.kind, document.kind.as_str());
        doc.add_i64(fields.id, document.id);
        doc.add_text(fields.title, &document.title);
        doc.add_text(fields.body, &document.body);
        for keyword in &document.keywords {
            doc.add_text(fields.keywords, keyword);
        }
        doc.add_i64(fields.organization, document.organization_id);
        doc.add_bool(fields.public, document.public);
        doc.add_bool(fields.challenge, document.open_challenge);
        doc.add_text(fields.status, &document.status);
        doc.add_facet(fields.facet_kind, Facet::from_path([document.kind.as_str()]));
        doc.add_facet(fields.facet_status, Facet::from_path([document.status.as_str()]));
        for code in &document.industry_codes {
            doc.add_facet(fields.facet_industry, Facet::from_path([code.as_str()]));
        }
        if let Some(field) = &document.field {
            doc.add_facet(fields.facet_field, Facet::from_path([field.as_str()]));
        }
        if let Some(maturity) = &document.maturity {
            doc.add_facet(fields.facet_maturity, Facet::from_path([maturity.as_str()]));
        }
        if let Some(region) = &document.region_code {
            doc.add_facet(fields.facet_region, region_facet(region));
        }
        for mode in &document.transfer_modes {
            doc.add_facet(fields.facet_transfer_mode, Facet::from_path([mode.as_str()]));
        }
        doc
    }
}
