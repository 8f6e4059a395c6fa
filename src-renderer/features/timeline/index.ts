// Time grouping on screen: the timeline lane under a node's charts, "what happened here?", and the
// formatting every log view shares.
export { TimelineLane, type TimelineLaneProps } from './timeline-lane';
export { WhatHappened, type WhatHappenedProps } from './what-happened';
export { laneModel, laneOption, type LaneModel } from './lane-options';
export { nodeLabel, formatLogTime, formatMs, formatCount, SEVERITIES, severityLabel, severityClass, severityColor } from './log-format';
