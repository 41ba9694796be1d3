pub mod details;
pub mod diagram;
pub mod knobs;
pub mod minimap;
pub mod waterfall;
