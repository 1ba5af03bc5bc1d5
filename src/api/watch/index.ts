/** Live state: typed notifications and self-healing watches of NETLINK_ROUTE objects. */
export { notifications, decodeNotifications, type Notification, type ObjectNotification, type NotificationOptions, type ObjectFilter } from './notifications.js';
export { watch, Watch, type WatchEvent, type WatchCounters, type WatchOptions } from './watch.js';
export { kinds, type NotificationKind, type ObjectTypes, type NetconfNotice, type NsidNotice } from './kinds.js';
