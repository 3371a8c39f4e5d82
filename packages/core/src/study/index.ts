export {
  NO_POST_PROCESS, parseStudyConfig, STUDY_KEYS,
  type StudyAngle, type StudyBase, type StudyConfig, type StudyEvaluation, type StudyPostProcess, type StudyTraining,
} from './config.js';
export { forkRun } from './fork-run.js';
export { keyRunDir, prepareKeyRun } from './key-runs.js';
export { formatValue, planCells, readBaseInfo, type BaseInfo, type StudyCell } from './plan.js';
export { qualityPlot, robustnessPlot, writeStudyPlots } from './plots.js';
export { runStudy, type StudyHooks, type StudyResult, type StudyRunOptions } from './run-study.js';
export {
  readStudyFile, STUDY_COLUMNS, STUDY_FORMAT, studyCsv, studyFilePath, type StudyFile, type StudyRow,
} from './study-file.js';
export { svgPlot, type PlotSeries, type PlotSpec } from './svg-plot.js';
