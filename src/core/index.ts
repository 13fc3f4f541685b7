/**
 * The engine's one surface: the adapters (src/extension, src/cli) import from here and nowhere
 * else in src/core. What is not exported here is the engine's own business. See docs/ARCHITECTURE.md.
 */
export { type CommandResult } from './build/command';
export { type BuildProblem } from './build/problem';
export { AirTomlError, readAirToml } from './config/airToml';
export { DEFAULT_EXCLUDE, DEFAULT_INCLUDE, resolveConfig, type EngineConfig, type RawSettings } from './config/config';
export { resolveServices } from './config/services';
export { ReloadEngine, type BuildStep } from './engine/engine';
export { type DebugClient, type DebugPause, type DebugTarget, type EngineState } from './engine/state';
export { isOpenable, type GinRoute } from './insights/ginRoutes';
export { type RuntimePanic } from './insights/panics';
export { type Logger } from './util/log';
export { OutputThrottle } from './util/outputThrottle';
export { watchTree } from './watch/watcher';
export { ENGINE_KEYS, RESTART_KEYS, SETTINGS, type CliFlag, type SettingRow } from './config/schema';
export { resolveTarget, type ResolvedTarget, type TargetResolution, type TargetSources } from './config/target';
export { type EngineOutput, type OutputLevel } from './engine/state';
export { isInside, within } from './util/paths';
export { elapsedWords, progressSummary, type BuildProgress } from './build/buildProgress';
export { stripAnsi } from './util/text';
export { hostGoPlatform, mergeGoExtension, type GoExtensionSettings } from './config/goExtension';
export { findDlv, INSTALL_DLV, isExecutable, remoteAttachConfigs, type FoundDlv } from './run/delve';
export { PANIC_FRAMES } from './run/delveRpc';
export { bundleTranslator, format, localeFromEnv, setTranslator, t, type L10nArg, type Translator } from './util/l10n';
