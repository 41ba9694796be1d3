pub mod details;
pub mod knobs;
pub mod minimap;
pub mod waterfall;
