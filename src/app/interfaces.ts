/** Network interfaces a live session can watch (`pfw interfaces`, the CLI's "which interface?" hint). */
export { listInterfaces, type InterfaceInfo } from "../capture/live.js";
