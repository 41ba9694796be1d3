//! Lesson links: `#lesson=ID&step=K` opens a built-in lesson at step K (1-based), and
//! `#lesson-json=<base64url of the lesson's JSON>&step=K` carries a lesson of one's own (up to
//! [`MAX_LINK_JSON`] bytes of JSON). Parsed strictly; what cannot be opened is an error the page
//! shows as a notice over the default request.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::Model;
use super::lesson::{LessonOrigin, LessonState, start};
use crate::lesson::{self, Lesson};

/// The most JSON a lesson link carries (about 21 KB once encoded in the link).
pub const MAX_LINK_JSON: usize = 16 * 1024;

/// Opens the lesson a location hash names: `None` when the hash is no lesson link.
pub fn open(hash: &str) -> Option<Result<Model, String>> {
    let hash = hash.strip_prefix('#').unwrap_or(hash);
    let mut lesson_id = None;
    let mut lesson_json = None;
    let mut step = None;
    for pair in hash.split('&') {
        match pair.split_once('=') {
            Some(("lesson", value)) => lesson_id = Some(value),
            Some(("lesson-json", value)) => lesson_json = Some(value),
            Some(("step", value)) => step = Some(value),
            _ => {}
        }
    }
    if lesson_id.is_none() && lesson_json.is_none() {
        return None;
    }
    Some(open_parts(hash, lesson_id, lesson_json, step))
}

fn open_parts(
    hash: &str,
    lesson_id: Option<&str>,
    lesson_json: Option<&str>,
    step: Option<&str>,
) -> Result<Model, String> {
    if let Some(unknown) = hash
        .split('&')
        .find(|pair| !["lesson=", "lesson-json=", "step="].iter().any(|key| pair.starts_with(key)))
    {
        return Err(format!("unknown part {:?}", unknown.chars().take(40).collect::<String>()));
    }
    let (lesson, origin) = match (lesson_id, lesson_json) {
        (Some(id), None) => {
            let lesson = lesson::load(id)
                .ok_or_else(|| format!("no lesson {:?}", id.chars().take(40).collect::<String>()))?;
            (lesson, LessonOrigin::Builtin)
        }
        (None, Some(encoded)) => {
            let (lesson, json) = decode_lesson(encoded)?;
            (lesson, LessonOrigin::Shared(json.into()))
        }
        _ => return Err("give `lesson` or `lesson-json`, not both".into()),
    };
    let n_steps = lesson.steps.len();
    let (step_idx, notice) = match step.map(|step| step.parse::<usize>()) {
        None => (0, None),
        Some(Ok(step)) if (1..=n_steps).contains(&step) => (step - 1, None),
        Some(_) => {
            let step = step.unwrap_or_default().chars().take(12).collect::<String>();
            let notice = format!(
                "Lesson “{}” has no step {step:?} (it has {n_steps}): starting at step 1.",
                lesson.title
            );
            (0, Some(notice))
        }
    };
    let mut model = start(Rc::new(lesson), origin, step_idx, BTreeMap::new())?;
    if notice.is_some() {
        model.notice = notice;
    }
    Ok(model)
}

/// A lesson from the text of a link (base64url, JSON inside), and its JSON.
fn decode_lesson(encoded: &str) -> Result<(Lesson, String), String> {
    if encoded.len() > MAX_LINK_JSON * 4 / 3 + 4 {
        return Err(format!("the lesson in the link is longer than {} KB", MAX_LINK_JSON / 1024));
    }
    let bytes = base64url_decode(encoded).ok_or("the lesson in the link is not base64url")?;
    let text = String::from_utf8(bytes).map_err(|_| "the lesson in the link is not UTF-8")?;
    let lesson = Lesson::from_json(&text, "the lesson link").map_err(|error| error.to_string())?;
    Ok((lesson, text))
}

/// The location hash for the learner's place: `None` when the lesson is too long for a link.
pub fn hash(state: &LessonState) -> Option<String> {
    let step = state.step + 1;
    match &state.origin {
        LessonOrigin::Builtin => Some(format!("#lesson={}&step={step}", state.lesson.id)),
        LessonOrigin::Shared(json) => (json.len() <= MAX_LINK_JSON)
            .then(|| format!("#lesson-json={}&step={step}", base64url_encode(json.as_bytes()))),
    }
}

/// Says why a lesson of one's own is not in the address bar, when it is too long.
pub fn too_long_note(state: &LessonState) -> Option<String> {
    let LessonOrigin::Shared(json) = &state.origin else { return None };
    let n_bytes = json.len();
    (n_bytes > MAX_LINK_JSON).then(|| {
        format!(
            "This lesson is {} KB as JSON; links carry lessons up to {} KB, so the address bar \
             does not hold it: share the file instead.",
            n_bytes.div_ceil(1024),
            MAX_LINK_JSON / 1024
        )
    })
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let word = chunk
            .iter()
            .enumerate()
            .fold(0u32, |word, (idx, &byte)| word | u32::from(byte) << (16 - 8 * idx));
        for idx in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(word >> (18 - 6 * idx) & 63) as usize]));
        }
    }
    out
}

/// Base64url, padding optional; `None` on any other character or an impossible length.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        let mut word = 0u32;
        for (idx, &byte) in chunk.iter().enumerate() {
            let value = ALPHABET.iter().position(|&letter| letter == byte)? as u32;
            word |= value << (18 - 6 * idx);
        }
        out.extend_from_slice(&word.to_be_bytes()[1..chunk.len()]);
    }
    Some(out)
}
