/**
 * How a record's error starts when the profile, not the photo, is at fault: the worker writes it,
 * and the dispatcher counts such records to tell the operator to fix the profile, not the photos.
 */
export const PROFILE_ERROR = "profile error:";
