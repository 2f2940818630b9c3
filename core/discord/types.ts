/** A member of the Discord server as Discord shows them at one moment (REST page or gateway event). */
export interface DiscordMemberSnapshot {
  /** User snowflake: the identity. Names change, this does not. */
  userId: string;
  username: string;
  /** The account-wide display name (null when the user never set one). */
  globalName: string | null;
  /** The server nickname (null when none). */
  nickname: string | null;
  isBot: boolean;
  /** Roles held on the server, without @everyone. */
  roleIds: string[];
  /** ISO time the member joined the server, when Discord said. */
  joinedAt: string | null;
}

/** A stored member row, as far as the Discord sync reads it. */
export interface StoredDiscordMember {
  userId: string;
  username: string;
  globalName: string | null;
  nickname: string | null;
  isBot: boolean;
  roleIds: string[];
  joinedServerAt: Date | null;
  departedAt: Date | null;
  /** When the state in the row was observed on Discord; null for rows from before it was kept. */
  stateObservedAt: Date | null;
}

export interface MemberNames {
  username: string;
  globalName: string | null;
  nickname: string | null;
}

export type DiscordMemberEventDraft =
  | { kind: 'join'; details: { rejoined: boolean; roleIds: string[] } }
  | { kind: 'leave'; details: { roleIds: string[] } }
  | { kind: 'roles_changed'; details: { added: string[]; removed: string[] } }
  | { kind: 'renamed'; details: { from: MemberNames; to: MemberNames } };

export type DiscordMemberEventKind = DiscordMemberEventDraft['kind'];

/** A Discord role as the sync keeps it. */
export interface DiscordRoleSnapshot {
  roleId: string;
  name: string;
  position: number;
  color: number;
  managed: boolean;
}
