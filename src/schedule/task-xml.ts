import type { TaskAccount, TaskDefinition } from './task-definition.js';

/** The SID of the local SYSTEM account, which Task Scheduler accepts in place of its localised name. */
const SYSTEM_SID = 'S-1-5-18';

/**
 * Renders the task as Task Scheduler XML (schema 1.2, Windows 7 and later) for `schtasks /Create /XML`:
 * a daily calendar trigger, a run that starts whether anyone is logged on or not (SYSTEM, or an account
 * whose password schtasks stores), never a second instance, on battery too, a missed run started when
 * the machine is back, and stopped after the time limit. The declaration says UTF-16: write the file
 * with {@link encodeTaskXml}, as Task Scheduler's own exports are.
 */
export function renderTaskXml(task: TaskDefinition): string {
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    element(4, 'Description', `upload-to-s3: uploads project ${task.upload.projectKey} daily`),
    element(4, 'URI', `\\${task.name}`),
    '  </RegistrationInfo>',
    ...renderTrigger(task.startBoundary),
    ...renderPrincipal(task.account),
    ...renderSettings(task.timeLimitSeconds),
    '  <Actions Context="Author">',
    '    <Exec>',
    element(6, 'Command', task.command),
    element(6, 'Arguments', task.arguments),
    element(6, 'WorkingDirectory', task.workingDirectory),
    '    </Exec>',
    '  </Actions>',
    '</Task>',
    '',
  ].join('\r\n');
}

/** The XML as a file's bytes: UTF-16LE with a byte-order mark, matching its declaration. */
export function encodeTaskXml(xml: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
}

/** Escapes text for an XML element or attribute. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`,
  );
}

function element(indent: number, name: string, text: string): string {
  return `${' '.repeat(indent)}<${name}>${escapeXml(text)}</${name}>`;
}

function renderTrigger(startBoundary: string): string[] {
  return [
    '  <Triggers>',
    '    <CalendarTrigger>',
    element(6, 'StartBoundary', startBoundary),
    '      <Enabled>true</Enabled>',
    '      <ScheduleByDay>',
    '        <DaysInterval>1</DaysInterval>',
    '      </ScheduleByDay>',
    '    </CalendarTrigger>',
    '  </Triggers>',
  ];
}

/**
 * SYSTEM needs no password and no logon type; an account logs on with its stored password
 * (LogonType Password), the one logon that also reaches Windows Credential Manager, where
 * `auth_mode: keyring` keeps its keys.
 */
function renderPrincipal(account: TaskAccount): string[] {
  const lines =
    account.kind === 'system'
      ? [element(6, 'UserId', SYSTEM_SID), '      <RunLevel>HighestAvailable</RunLevel>']
      : [
          element(6, 'UserId', account.userId),
          '      <LogonType>Password</LogonType>',
          '      <RunLevel>LeastPrivilege</RunLevel>',
        ];
  return ['  <Principals>', '    <Principal id="Author">', ...lines, '    </Principal>', '  </Principals>'];
}

function renderSettings(timeLimitSeconds: number): string[] {
  return [
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    // Field laptops: a run must start, and go on, on battery.
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <AllowHardTerminate>true</AllowHardTerminate>',
    '    <StartWhenAvailable>true</StartWhenAvailable>',
    // The upload retries a lost network itself; this setting would skip the night's run instead.
    '    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>',
    '    <IdleSettings>',
    '      <StopOnIdleEnd>false</StopOnIdleEnd>',
    '      <RestartOnIdle>false</RestartOnIdle>',
    '    </IdleSettings>',
    '    <AllowStartOnDemand>true</AllowStartOnDemand>',
    '    <Enabled>true</Enabled>',
    '    <Hidden>false</Hidden>',
    '    <RunOnlyIfIdle>false</RunOnlyIfIdle>',
    '    <WakeToRun>false</WakeToRun>',
    element(4, 'ExecutionTimeLimit', formatIsoDuration(timeLimitSeconds)),
    '    <Priority>7</Priority>',
    '  </Settings>',
  ];
}

/**
 * An XML Schema duration as Task Scheduler reads it: `PT12H`, `PT1H30M`, `P1DT2H`; `PT0S` means no
 * limit.
 */
export function formatIsoDuration(totalSeconds: number): string {
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
  if (days === 0) return `PT${time || '0S'}`;
  return `P${days}D${time ? `T${time}` : ''}`;
}
