pub mod waterfall;
