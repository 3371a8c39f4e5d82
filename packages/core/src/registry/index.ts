export {
  checkUserId, readRegistryIndex, REGISTRY_FORMAT, registryPaths,
  type RegistryIndex, type RegistryUser, type RemovedUser, type UserStatus,
} from './registry-folder.js';
export { processAlive, withFileLock, type FileLockOptions } from './lock.js';
export { initRegistry, type InitRegistryRequest, type InitRegistryResult } from './init-registry.js';
export { addUser, type AddUserRequest, type AddUserResult } from './add-user.js';
export { removeUser, type RemoveUserResult } from './remove-user.js';
export { exportUserKey, type ExportUserKeyResult } from './export-key.js';
export { listRegistry, type RegistryListing, type UserListing } from './list-users.js';
export { openRegistryKeys, type LabelledKeys } from './open-keys.js';
