/** The part of the SDK's logger (`ctx.logger`) the drivers use. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}
