//! What the index holds of listings, read back: their text, and which ones a viewer can find.

use tantivy::collector::TopDocs;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{TantivyDocument, Term};
use techmatch_domain::Viewer;
use techmatch_domain::listing::ListingKind;

use super::{SearchError, SearchIndex};
use crate::cache::VisibilityScope;
use crate::document::listing_key;

impl SearchIndex {
    /// The stored title, body and keywords of one listing, if indexed.
    pub fn stored_text(&self, kind: ListingKind, id: i64) -> Result<Option<String>, SearchError> {
        let searcher = self.reader.searcher();
        let key =
            TermQuery::new(Term::from_field_text(self.fields.key, &listing_key(kind, id)), IndexRecordOption::Basic);
        let Some((_, address)) = searcher.search(&key, &TopDocs::with_limit(1).order_by_score())?.into_iter().next()
        else {
            return Ok(None);
        };
        let document: TantivyDocument = searcher.doc(address)?;
        let mut text = String::new();
        for field in [self.fields.title, self.fields.keywords, self.fields.body] {
            for value in document.get_all(field) {
                if let Some(value) = value.as_str() {
                    text.push_str(value);
                    text.push('\n');
                }
            }
        }
        Ok(Some(text))
    }

    /// Keys (`kind`, id) of every listing `viewer` can find, archived included; for checks that
    /// the index agrees with the database.
    pub fn visible_keys(&self, viewer: Viewer) -> Result<Vec<(ListingKind, i64)>, SearchError> {
        let searcher = self.reader.searcher();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(AllQuery))];
        // Visibility only: the status filter's exclusion of archived listings is left out.
        clauses.extend(self.visibility_clauses(VisibilityScope::of(viewer)));
        let query = BooleanQuery::new(clauses);
        let limit = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX).max(1);
        let addresses = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut keys = Vec::with_capacity(addresses.len());
        for (_, address) in addresses {
            let document: TantivyDocument = searcher.doc(address)?;
            let kind = document.get_first(self.fields.kind).and_then(|value| value.as_str()).unwrap_or_default();
            let id = document.get_first(self.fields.id).and_then(|value| value.as_i64()).unwrap_or_default();
            if let Ok(kind) = ListingKind::parse("kind", kind) {
                keys.push((kind, id));
            }
        }
        keys.sort();
        Ok(keys)
    }
}
