/**
 * A start-up failure the operator fixes by changing one setting (or starting one server): main.ts prints it as one
 * line naming the setting, instead of a driver's stack, and exits with `exitCode`.
 */
export class StartupError extends Error {
  constructor(
    /** The env var to look at. */
    readonly setting: string,
    problem: string,
    /** 78 (EX_CONFIG): the setting is wrong; 69 (EX_UNAVAILABLE): what it names does not answer. */
    readonly exitCode: 69 | 78,
    options?: ErrorOptions,
  ) {
    super(`${setting}: ${problem}`, options)
    this.name = 'StartupError'
  }
}

/** The first line of a dependency's message, with any credentials from the setting's URL taken out. */
export function oneLine(message: string, settingValue: string): string {
  let line = message.split('\n')[0]?.trim() ?? ''
  const userInfo = /^[a-z+]+:\/\/([^@/]+)@/i.exec(settingValue)?.[1]
  if (userInfo) {
    for (const part of [userInfo, ...userInfo.split(':')]) {
      if (part) line = line.split(part).join('***')
    }
  }
  return line
}
