//! The page's side effects and shared handles, as hooks: the components stay free of them.

mod actions;
mod copy_link;
mod download;
mod file_import;
mod interview;
mod paint_mark;
mod replay_clock;
mod share_hash;
mod visible_rows;
mod worker_warm_up;

pub use actions::{Actions, use_actions};
pub use copy_link::use_copy_link;
pub use download::use_download;
pub use file_import::use_file_import;
pub use interview::{
    OpenInterview, use_interview_hash, use_interview_mode, use_open_interview, use_round_seconds,
};
pub use paint_mark::use_paint_mark;
pub use replay_clock::use_replay_clock;
pub use share_hash::use_share_hash;
pub use visible_rows::use_visible_rows;
pub use worker_warm_up::use_worker_warm_up;
